import { useRef, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { STAGES, type Stage } from "../backend";

/** The onboarding steps in order. One tab stop; arrow keys, Home and End move between steps
 * (a roving tabindex, as the WAI-ARIA authoring practices describe for toolbars). */
export default function StageNav({ current, onSelect }: { current: Stage; onSelect: (stage: Stage) => void }) {
  const { t } = useTranslation();
  const buttons = useRef<(HTMLButtonElement | null)[]>([]);

  const onKeyDown = (event: KeyboardEvent, index: number) => {
    const last = STAGES.length - 1;
    const target = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: last }[event.key];
    if (target === undefined) return;
    event.preventDefault();
    buttons.current[Math.min(last, Math.max(0, target))]?.focus();
  };

  return (
    <nav className="stage-nav" aria-label={t("app.navLabel")}>
      <ol>
        {STAGES.map((stage, index) => {
          const active = stage === current;
          return (
            <li key={stage}>
              <button
                ref={(el) => {
                  buttons.current[index] = el;
                }}
                type="button"
                className={active ? "active" : undefined}
                aria-current={active ? "step" : undefined}
                tabIndex={active ? 0 : -1}
                onClick={(event) => {
                  // WebKit does not focus a clicked button; do it, so arrow keys work next.
                  event.currentTarget.focus();
                  onSelect(stage);
                }}
                onKeyDown={(event) => onKeyDown(event, index)}
                data-stage={stage}
              >
                <span className="step-number" aria-hidden="true">
                  {index + 1}
                </span>
                <span className="step-label">
                  <span className="visually-hidden">{t("app.step", { n: index + 1 })}: </span>
                  {t(`stages.${stage}.title`)}
                </span>
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
