import type { BackendError } from "../backend";

/** An error from Rust as the user should read it: what is wrong, then what to do. */
export default function ErrorNotice({ error, title }: { error: BackendError; title: string }) {
  return (
    <div className="error-notice" role="alert">
      <strong>{title}</strong>
      <p>{error.message}</p>
      {error.hint && <p className="hint">{error.hint}</p>}
    </div>
  );
}
