import { describe, expect, it } from "vitest";
import { BackendError, toBackendError } from ".";

describe("toBackendError", () => {
  it("keeps kind, message and hint of a Rust error", () => {
    const error = toBackendError({ kind: "notFound", message: "no such context", hint: "pick another" });
    expect(error).toBeInstanceOf(BackendError);
    expect([error.kind, error.message, error.hint]).toEqual(["notFound", "no such context", "pick another"]);
  });

  it("keeps unavailable, the kind of a missing OS keyring", () => {
    expect(toBackendError({ kind: "unavailable", message: "no keyring", hint: "start one" }).kind).toBe("unavailable");
  });

  it("turns a kind this UI does not know into unknown", () => {
    expect(toBackendError({ kind: "fromTheFuture", message: "m", hint: null }).kind).toBe("unknown");
  });

  it("wraps anything else thrown, such as a plain string from the IPC layer", () => {
    const error = toBackendError("command app_status not allowed");
    expect([error.kind, error.message, error.hint]).toEqual(["unknown", "command app_status not allowed", null]);
  });
});
