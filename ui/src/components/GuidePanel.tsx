import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Stage } from "../backend";

const STORAGE_KEY = "ks-onboard.guide-open";
const SECTIONS = ["what", "why", "changes"] as const;

/** Plain-words explanation of the current step: what KubeSphere does, why, what we change. */
export default function GuidePanel({ stage }: { stage: Stage }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(() => localStorage.getItem(STORAGE_KEY) !== "false");

  const toggle = () => {
    localStorage.setItem(STORAGE_KEY, String(!open));
    setOpen(!open);
  };

  return (
    <aside className={open ? "guide" : "guide collapsed"} aria-labelledby="guide-title">
      <div className="guide-header">
        <h2 id="guide-title" className={open ? undefined : "visually-hidden"}>
          {t("guide.title")}
        </h2>
        <button type="button" className="ghost" aria-expanded={open} aria-controls="guide-body" onClick={toggle}>
          {open ? t("guide.hide") : t("guide.show")}
        </button>
      </div>
      {open && (
        <div id="guide-body" className="guide-body" data-testid="guide">
          {SECTIONS.map((section) => (
            <section key={section}>
              <h3>{t(`guide.${section}`)}</h3>
              <p>{t(`stages.${stage}.guide.${section}`)}</p>
            </section>
          ))}
        </div>
      )}
    </aside>
  );
}
