/**
 * The tiny element tree everything in config/ reads. It keeps source positions and
 * Cedar's notion of an element's value, so the XML library behind it is swappable.
 */
export interface XmlNode {
  readonly name: string;
  /**
   * Cedar's value of the element: its first child text node, verbatim (not trimmed).
   * `undefined` when the element has no text child at all (empty, CDATA-only or only
   * elements/comments), which Cedar treats as "absent".
   */
  readonly text: string | undefined;
  readonly attrs: Readonly<Record<string, string>>;
  /** Child elements in document order. */
  readonly children: readonly XmlNode[];
  /** Element path below `cb_config`, e.g. `collect/dir[2]/abs_path` (index only when repeated). */
  readonly path: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
}

/** The first direct child element called `name` (Cedar's `readFirstChild`): later duplicates are ignored. */
export function firstChild(parent: XmlNode | undefined, name: string): XmlNode | undefined {
  return parent?.children.find((child) => child.name === name);
}

/** Every direct child element called `name`, in document order. */
export function childrenNamed(parent: XmlNode | undefined, name: string): readonly XmlNode[] {
  return parent === undefined ? [] : parent.children.filter((child) => child.name === name);
}
