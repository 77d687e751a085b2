# A GTK window that offers one file for dragging as text/uri-list, as a file manager does.
# Used by specs/drop.test.mjs: usage drag-source.py FILE X Y (where to put the window);
# prints "ready" once it is on screen.
import sys
from pathlib import Path

import gi

gi.require_version("Gdk", "3.0")
gi.require_version("Gtk", "3.0")
from gi.repository import Gdk, Gtk  # noqa: E402 (after require_version, as PyGObject wants)

uri = Path(sys.argv[1]).resolve().as_uri()
win = Gtk.Window(title="drag-source")
win.set_default_size(70, 60)
win.move(int(sys.argv[2]), int(sys.argv[3]))
button = Gtk.Button(label="drag me")
button.drag_source_set(Gdk.ModifierType.BUTTON1_MASK, [], Gdk.DragAction.COPY)
button.drag_source_add_uri_targets()
button.connect("drag-data-get", lambda w, ctx, data, info, time: data.set_uris([uri]))
win.add(button)
win.connect("destroy", Gtk.main_quit)
win.show_all()
print("ready", flush=True)
Gtk.main()
