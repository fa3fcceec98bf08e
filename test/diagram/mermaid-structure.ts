/**
 * Reads back the Mermaid flowchart PlatformDiagram writes, and rejects any line that is not a
 * flowchart header, a subgraph, an `end`, a node with a quoted label or an edge between declared
 * ids (https://mermaid.js.org/syntax/flowchart.html): ids of letters, digits and underscores,
 * never the keyword `end`, labels quoted with no raw quote inside, subgraphs balanced.
 */
export interface Declared {
  readonly id: string;
  /** The label, entity codes decoded and `<br/>` as a newline. */
  readonly label: string;
  /** The enclosing subgraphs, outermost first. */
  readonly parents: string[];
  readonly subgraph: boolean;
}

export interface Edge {
  readonly from: string;
  readonly to: string;
  readonly arrow: '-->' | '==>' | '-.->';
  readonly label?: string;
}

export interface Flowchart {
  readonly direction: string;
  readonly declared: Map<string, Declared>;
  readonly edges: Edge[];
}

const ID = '[A-Za-z0-9_]+';
const LABEL = '"([^"]*)"';
const SHAPES: Array<[string, string]> = [['[(', ')]'], ['[[', ']]'], ['([', '])'], ['{{', '}}'], ['[/', '/]'], ['[/', '\\]'], ['>', ']'], ['(', ')'], ['[', ']']];
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const NODE = new RegExp(`^\\s*(${ID})(?:${SHAPES.map(([o, c]) => `${escapeRe(o)}${LABEL}${escapeRe(c)}`).join('|')})$`);
const SUBGRAPH = new RegExp(`^\\s*subgraph (${ID})\\[${LABEL}\\]$`);
const EDGE = new RegExp(`^\\s*(${ID}) (-->|==>|-\\.->)(?:\\|${LABEL}\\|)? (${ID})$`);

export function decode(label: string): string {
  return label.replace(/<br\/>/g, '\n').replace(/#quot;/g, '"').replace(/#lt;/g, '<').replace(/#gt;/g, '>').replace(/#124;/g, '|').replace(/#35;/g, '#');
}

export function parseFlowchart(text: string): Flowchart {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const header = /^flowchart (LR|TB|TD|RL|BT)$/.exec(lines[0] ?? '');
  if (!header) throw new Error(`line 1: not a flowchart header: ${lines[0]}`);
  const declared = new Map<string, Declared>();
  const edges: Edge[] = [];
  const open: string[] = [];
  const declare = (n: number, id: string, label: string, subgraph: boolean) => {
    if (id === 'end') throw new Error(`line ${n}: the id 'end' is Mermaid's keyword`);
    if (declared.has(id)) throw new Error(`line ${n}: ${id} is declared twice`);
    declared.set(id, { id, label: decode(label), parents: [...open], subgraph });
  };
  lines.slice(1).forEach((line, i) => {
    const n = i + 2;
    let m: RegExpExecArray | null;
    if ((m = SUBGRAPH.exec(line))) {
      declare(n, m[1], m[2], true);
      open.push(m[1]);
    } else if (/^\s*end$/.test(line)) {
      if (open.length === 0) throw new Error(`line ${n}: 'end' without a subgraph`);
      open.pop();
    } else if ((m = EDGE.exec(line))) {
      edges.push({ from: m[1], arrow: m[2] as Edge['arrow'], label: m[3] === undefined ? undefined : decode(m[3]), to: m[4] });
    } else if ((m = NODE.exec(line))) {
      declare(n, m[1], m.slice(2).find((x) => x !== undefined)!, false);
    } else {
      throw new Error(`line ${n}: not a subgraph, node, edge or end: ${line}`);
    }
  });
  if (open.length > 0) throw new Error(`subgraphs ${open.join(', ')} are not closed`);
  for (const e of edges) {
    for (const id of [e.from, e.to]) if (!declared.has(id)) throw new Error(`edge ${e.from} ${e.arrow} ${e.to}: ${id} is not declared`);
  }
  return { direction: header[1], declared, edges };
}

/** The one declared node or subgraph whose label matches, else a throw naming the candidates. */
export function find(chart: Flowchart, label: RegExp, options: { subgraph?: boolean; within?: string } = {}): Declared {
  const found = [...chart.declared.values()].filter((d) => label.test(d.label)
    && (options.subgraph === undefined || d.subgraph === options.subgraph)
    && (options.within === undefined || d.parents.includes(options.within)));
  if (found.length !== 1) throw new Error(`expected one node matching ${label}${options.within ? ` within ${options.within}` : ''}, found ${found.length}: ${found.map((f) => f.id).join(', ')}`);
  return found[0];
}

/** The edges between two ids. */
export function edgesBetween(chart: Flowchart, from: string, to: string): Edge[] {
  return chart.edges.filter((e) => e.from === from && e.to === to);
}

/** The account subgraph a node is in (its outermost subgraph). */
export function accountOf(chart: Flowchart, id: string): string {
  const d = chart.declared.get(id);
  const outer = d?.parents[0] ?? id;
  return chart.declared.get(outer)!.label;
}
