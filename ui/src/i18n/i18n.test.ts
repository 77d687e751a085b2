import { describe, expect, it } from "vitest";
import en from "./en";
import zhCN from "./zh-CN";
import { initialLanguage } from ".";

function leaves(value: unknown, path = ""): [string, string][] {
  if (typeof value === "string") return [[path, value]];
  return Object.entries(value as object).flatMap(([key, child]) => leaves(child, path ? `${path}.${key}` : key));
}

describe("translations", () => {
  it("have the same keys and no empty text in both languages", () => {
    const enLeaves = leaves(en);
    const zhLeaves = leaves(zhCN);
    expect(zhLeaves.map(([key]) => key)).toEqual(enLeaves.map(([key]) => key));
    for (const [key, text] of [...enLeaves, ...zhLeaves]) expect(text.trim(), key).not.toBe("");
  });

  it("keep the same interpolation placeholders", () => {
    const zh = new Map(leaves(zhCN));
    for (const [key, text] of leaves(en)) {
      const placeholders = (s: string) => (s.match(/{{\w+}}/g) ?? []).sort();
      expect(placeholders(zh.get(key)!), key).toEqual(placeholders(text));
    }
  });
});

describe("initialLanguage", () => {
  it("prefers the saved choice, then any Chinese OS language, then English", () => {
    expect(initialLanguage("en", ["zh-CN"])).toBe("en");
    expect(initialLanguage(null, ["zh-TW", "en"])).toBe("zh-CN");
    expect(initialLanguage(null, ["de-DE"])).toBe("en");
    expect(initialLanguage("fr", ["en-US"])).toBe("en");
  });
});
