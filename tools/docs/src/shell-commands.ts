/** One simple command of a shell example: its words, and the block line it is on (1-based). */
export interface ShellCommand {
  argv: string[];
  line: number;
  /** Inside `( ... )`: a `cd` there does not last beyond it. */
  subshell: number;
}

/**
 * Splits a shell example into its simple commands, as sh would run them: comments dropped, `&&`
 * and new lines separating commands, quotes removed, `( ... )` subshells noted. Enough for the
 * examples the docs hold (no pipes, redirections or variables); anything else is an error, so a
 * new kind of example gets a rule in the test rather than a free pass.
 */
export function shellCommands(code: string): ShellCommand[] {
  const out: ShellCommand[] = [];
  let depth = 0;
  code.split("\n").forEach((text, i) => {
    const words: string[] = [];
    let word = "";
    let quote: string | undefined;
    let inWord = false;
    const flush = () => {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    };
    const end = () => {
      flush();
      if (words.length) out.push({ argv: words.splice(0), line: i + 1, subshell: depth });
    };
    for (let c = 0; c < text.length; c++) {
      const ch = text[c]!;
      if (quote) {
        if (ch === quote) quote = undefined;
        else word += ch;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        inWord = true;
      } else if (ch === "#" && !inWord) {
        break;
      } else if (/\s/.test(ch)) {
        flush();
      } else if (ch === "&" && text[c + 1] === "&") {
        end();
        c++;
      } else if (ch === "(" && !inWord) {
        end();
        depth++;
      } else if (ch === ")") {
        end();
        depth--;
      } else if ("|;<>`$\\".includes(ch) && !(ch === "$" && inWord)) {
        throw new Error(`line ${i + 1}: "${ch}" is more shell than the docs' examples check: ${text}`);
      } else {
        word += ch;
        inWord = true;
      }
    }
    if (quote) throw new Error(`line ${i + 1}: unterminated quote: ${text}`);
    end();
  });
  if (depth !== 0) throw new Error("unbalanced parentheses");
  return out;
}
