import { useEffect, useState } from "react";

/** True once `active` has lasted `ms`: quick answers show no flicker, slow ones show progress. */
export function useDelayed(active: boolean, ms = 300): boolean {
  const [late, setLate] = useState(false);
  useEffect(() => {
    if (!active) {
      setLate(false);
      return;
    }
    const timer = setTimeout(() => setLate(true), ms);
    return () => clearTimeout(timer);
  }, [active, ms]);
  return active && late;
}

/** "Working…" with a spinner, shown when a wait goes over 300 ms. */
export default function Pending({ active, label, testId }: { active: boolean; label: string; testId?: string }) {
  const late = useDelayed(active);
  if (!late) return null;
  return (
    <p className="pending" aria-live="polite" data-testid={testId}>
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}
