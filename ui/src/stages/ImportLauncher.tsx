import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { onFileDrag, type ImportOutcome } from "../backend";
import ImportPanel from "./ImportPanel";

/** The "Import kubeconfigs…" button, the import dialog it opens, and what the last import
 * did. Files dropped onto the window open the dialog with those files listed. */
export default function ImportLauncher({ onImported }: { onImported: () => void }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [paths, setPaths] = useState<string[]>([]);
  const [outcome, setOutcome] = useState<ImportOutcome | null>(null);
  const { dropReady, dragging } = useDroppedFiles((dropped) => {
    setPaths((listed) => [...listed, ...dropped.filter((path) => !listed.includes(path))]);
    setOutcome(null);
    setOpen(true);
  });

  const close = () => {
    setOpen(false);
    setPaths([]);
  };

  return (
    <div className="import-launcher">
      <button
        type="button"
        className="primary"
        data-testid="open-import"
        onClick={() => {
          setOutcome(null);
          setOpen(true);
        }}
      >
        {t("import.open")}
      </button>
      {outcome && (
        <p role="status" className="import-outcome" data-testid="import-outcome">
          {t("import.outcome", {
            contexts: t("import.contexts", { count: outcome.imported.length }),
            secrets: t("import.secrets", { count: outcome.secretsSaved }),
          })}
        </p>
      )}
      {dragging && !open && (
        <div className="drop-overlay" aria-hidden="true">
          {t("import.dropHere")}
        </div>
      )}
      {open && (
        <ImportPanel
          paths={paths}
          onPathsChange={setPaths}
          dropReady={dropReady}
          onClose={close}
          onImported={(done) => {
            close();
            setOutcome(done);
            onImported();
          }}
        />
      )}
    </div>
  );
}

/** Listens for files dragged onto the window for as long as the component is shown.
 * `dropReady` turns true only once the window has accepted the listener, so the UI never
 * offers dropping where it would not work (e.g. outside Tauri). */
function useDroppedFiles(onDrop: (paths: string[]) => void) {
  const [dropReady, setDropReady] = useState(false);
  const [dragging, setDragging] = useState(false);
  const latestOnDrop = useRef(onDrop);
  latestOnDrop.current = onDrop;

  useEffect(() => {
    let stop: (() => void) | null = null;
    let unmounted = false;
    onFileDrag((drag) => {
      setDragging(drag.type === "enter");
      if (drag.type === "drop" && drag.paths.length > 0) latestOnDrop.current(drag.paths);
    }).then(
      (unlisten) => {
        if (unmounted) return unlisten();
        stop = unlisten;
        setDropReady(true);
      },
      () => setDropReady(false),
    );
    return () => {
      unmounted = true;
      stop?.();
    };
  }, []);

  return { dropReady, dragging };
}
