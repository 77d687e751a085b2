import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import en from "./en";
import zhCN from "./zh-CN";

export const LANGUAGES = [
  { code: "en", label: "English" },
  { code: "zh-CN", label: "简体中文" },
] as const;
export type Language = (typeof LANGUAGES)[number]["code"];

const STORAGE_KEY = "ks-onboard.language";

/** The saved choice, else the OS/webview language (any Chinese → zh-CN), else English. */
export function initialLanguage(
  saved: string | null = localStorage.getItem(STORAGE_KEY),
  preferred: readonly string[] = navigator.languages,
): Language {
  if (saved === "en" || saved === "zh-CN") return saved;
  return preferred.some((tag) => tag.toLowerCase().startsWith("zh")) ? "zh-CN" : "en";
}

export function setLanguage(language: Language): void {
  localStorage.setItem(STORAGE_KEY, language);
  void i18n.changeLanguage(language);
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, "zh-CN": { translation: zhCN } },
  lng: initialLanguage(),
  fallbackLng: "en",
  interpolation: { escapeValue: false },
  returnNull: false,
});

i18n.on("languageChanged", (language) => {
  document.documentElement.lang = language;
});
document.documentElement.lang = i18n.language;

export default i18n;
