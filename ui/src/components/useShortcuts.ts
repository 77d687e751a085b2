import { useEffect } from "react";
import { STAGES, type Stage } from "../backend";

/** Alt+1 … Alt+6 jump to a stage from anywhere, like the step numbers in the navigation. */
export function useShortcuts(goTo: (stage: Stage) => void): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      const stage = STAGES[Number(event.key) - 1];
      if (stage) {
        event.preventDefault();
        goTo(stage);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [goTo]);
}
