import { useEffect, useId, useRef, type ReactNode } from "react";
import { createPortal } from "react-dom";

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';
const FIELDS = "input:not([disabled]), textarea:not([disabled]), select:not([disabled])";

/** A modal dialog: the first field (else the first control) takes focus on open, Tab stays
 * inside, Escape closes, and focus goes back where it was (or to the page, if that control
 * is gone, e.g. the row of a context just removed). */
export default function Dialog({
  title,
  onClose,
  children,
  className,
  testId,
}: {
  title: ReactNode;
  onClose: () => void;
  children: ReactNode;
  className?: string;
  testId?: string;
}) {
  const titleId = useId();
  const box = useRef<HTMLDivElement>(null);
  // Read by the effects below without re-running them when the parent passes a new closure.
  const close = useRef(onClose);
  close.current = onClose;

  // Escape is heard at the document, so it works even when focus has left the dialog (a
  // control that was clicked got disabled); only the topmost dialog closes.
  useEffect(() => {
    const onEscape = (event: KeyboardEvent) => {
      const dialogs = document.querySelectorAll(".dialog");
      if (event.key === "Escape" && dialogs[dialogs.length - 1] === box.current) close.current();
    };
    document.addEventListener("keydown", onEscape);
    return () => document.removeEventListener("keydown", onEscape);
  }, []);

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const first = box.current?.querySelector<HTMLElement>(FIELDS) ?? box.current?.querySelector<HTMLElement>(FOCUSABLE);
    first?.focus();
    return () => {
      const back = opener?.isConnected ? opener : document.getElementById("main");
      back?.focus();
    };
  }, []);

  const onTabKey = (event: React.KeyboardEvent) => {
    if (event.key !== "Tab" || !box.current) return;
    const controls = Array.from(box.current.querySelectorAll<HTMLElement>(FOCUSABLE));
    const [first, last] = [controls[0], controls[controls.length - 1]];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last?.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first?.focus();
    }
  };

  return createPortal(
    <div className="dialog-backdrop">
      <div
        ref={box}
        className={className ? `dialog ${className}` : "dialog"}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid={testId}
        onKeyDown={onTabKey}
      >
        <h2 id={titleId} className="dialog-title">
          {title}
        </h2>
        {children}
      </div>
    </div>,
    document.body,
  );
}
