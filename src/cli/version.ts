import { readFileSync } from "node:fs";

/** The version of this package, read from its package.json. */
export const packageVersion: string = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

/** Oldest Node.js major version cback runs on. */
export const MINIMUM_NODE_MAJOR = 20;

/** Whether `nodeVersion` (like `v20.20.2`) is new enough. */
export function isSupportedNode(nodeVersion: string): boolean {
  const major = Number.parseInt(nodeVersion.replace(/^v/, "").split(".")[0] ?? "", 10);
  return Number.isInteger(major) && major >= MINIMUM_NODE_MAJOR;
}
