import { describe, expect, it } from "vitest";
import { splitCommandLine } from "./split-command-line.js";

describe("splitCommandLine", () => {
  it.each<[string, string[]]>([
    ["", []],
    ["   ", []],
    ["ls", ["ls"]],
    ["ls -l /tmp", ["ls", "-l", "/tmp"]],
    ["  ls   -l  ", ["ls", "-l"]],
    ['echo "hello world" x', ["echo", "hello world", "x"]],
    ['a"b c"', ["a", "b c"]],
    ['a"b"c', ["a", "b", "c"]],
    ['"quoted"', ["quoted"]],
    ['echo ""', ["echo"]],
    ['echo "" x', ["echo", "x"]],
    ['echo "unbalanced', ["echo", "unbalanced"]],
    ['echo "a  b" "c"', ["echo", "a  b", "c"]],
    ["echo 'single quoted'", ["echo", "'single", "quoted'"]],
    ["a\tb c", ["a\tb", "c"]],
    ["echo $HOME `id` a|b;c", ["echo", "$HOME", "`id`", "a|b;c"]],
    ["back\\ slash", ["back\\", "slash"]],
    ['/bin/sh -c "echo hi > /tmp/x"', ["/bin/sh", "-c", "echo hi > /tmp/x"]],
    ['"  spaced  "', ["  spaced  "]],
  ])("splits %j", (input, expected) => {
    expect(splitCommandLine(input)).toEqual(expected);
  });
});
