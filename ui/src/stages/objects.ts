import type { ObjectId } from "../backend";

/** `Kind namespace/name`, or `Kind name` for a cluster-scoped object (as Rust words it). */
export function describeObject(object: ObjectId): string {
  return object.namespace ? `${object.kind} ${object.namespace}/${object.name}` : `${object.kind} ${object.name}`;
}

/** hh:mm:ss in local time, 24-hour, for timelines. */
export function clockTime(unixMs: number): string {
  const at = new Date(unixMs);
  return [at.getHours(), at.getMinutes(), at.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}
