import { useTranslation } from "react-i18next";
import { LANGUAGES, setLanguage, type Language } from "../i18n";
import Logo from "./Logo";

export default function Header() {
  const { t, i18n } = useTranslation();
  return (
    <header className="header">
      <Logo />
      <div className="header-title">
        <h1>{t("app.name")}</h1>
        <p>{t("app.tagline")}</p>
      </div>
      <label className="language">
        <span>{t("app.language")}</span>
        <select
          value={i18n.language}
          onChange={(event) => setLanguage(event.target.value as Language)}
          data-testid="language"
        >
          {LANGUAGES.map(({ code, label }) => (
            <option key={code} value={code}>
              {label}
            </option>
          ))}
        </select>
      </label>
    </header>
  );
}
