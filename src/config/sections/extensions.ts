/**
 * `<extensions>`: the extended actions (name, implementing module and function) and how
 * they are ordered among the built-in actions (index or dependency mode).
 */
import type { ActionDependencies, ExtendedAction, ExtensionsConfig } from "../types.js";
import { readActionList, readEnum, readInteger, type ReadContext } from "../xml/read-fields.js";
import { element, textElement, type XmlElement } from "../xml/write-xml.js";
import { childrenNamed, firstChild, type XmlNode } from "../xml/xml-node.js";
import {
  csvElement,
  definedFields,
  locationOf,
  nonEmpty,
  ORDER_MODES,
  readActionName,
  readMatchingString,
} from "./shared-fields.js";

/** Cedar's syntax of a (dotted) Python module name. */
const PYTHON_MODULE = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/** A relative, absolute or file: URL ES module path: our extension to Cedar's syntax. */
const ES_MODULE_PATH = /^(?:\.{1,2}\/|\/|file:)\S+$/;
/** Cedar's syntax of a function name. */
const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Read `<extensions>`: `order_mode` (index | dependency) and every `<action>` with its
 * name, module, function, index (int >= 0) and `<depends>` (run_before/run_after lists).
 * Syntax problems are recorded in `ctx`; completeness is checked by config/rules.ts.
 * @returns `undefined` when the section is absent.
 */
export function readExtensionsSection(
  node: XmlNode | undefined,
  ctx: ReadContext,
): ExtensionsConfig | undefined {
  if (node === undefined) return undefined;
  return definedFields<ExtensionsConfig>({
    orderMode: readEnum(node, "order_mode", ORDER_MODES, ctx),
    actions: nonEmpty(childrenNamed(node, "action").map((action) => readAction(action, ctx))),
  });
}

function readAction(node: XmlNode, ctx: ReadContext): ExtendedAction {
  const depends = firstChild(node, "depends");
  return definedFields<ExtendedAction>({
    name: readActionName(node, "name", ctx),
    module: readMatchingString(
      node,
      "module",
      ctx,
      (value) => PYTHON_MODULE.test(value) || ES_MODULE_PATH.test(value),
      'a module name such as "CedarBackup3.extend.sysinfo" (or a path to an ES module)',
    ),
    function: readMatchingString(
      node,
      "function",
      ctx,
      (value) => FUNCTION_NAME.test(value),
      'a function name such as "executeAction"',
    ),
    index: readInteger(node, "index", ctx, { min: 0 }),
    depends:
      depends === undefined
        ? undefined
        : definedFields<ActionDependencies>({
            runBefore: readActionList(depends, "run_before", ctx),
            runAfter: readActionList(depends, "run_after", ctx),
          }),
    location: locationOf(node),
  });
}

/** `<extensions>` as an element; an empty `<depends/>` is kept (it matters in dependency mode). */
export function writeExtensionsSection(value: ExtensionsConfig): XmlElement {
  return element("extensions", [
    textElement("order_mode", value.orderMode),
    ...(value.actions ?? []).map((action) =>
      element("action", [
        textElement("name", action.name),
        textElement("module", action.module),
        textElement("function", action.function),
        textElement("index", action.index),
        action.depends === undefined
          ? undefined
          : element("depends", [
              csvElement("run_before", action.depends.runBefore),
              csvElement("run_after", action.depends.runAfter),
            ]),
      ]),
    ),
  ]);
}
