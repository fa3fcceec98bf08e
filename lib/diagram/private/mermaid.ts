import { EdgeKind, GraphNode, NodeKind, PlatformGraph, wrap } from './platform-graph';

/**
 * Mermaid text of a label: `#`, `"`, `<`, `>` and `|` as Mermaid's entity codes (a quoted
 * label ends at `"`, and `#…;` is an entity), lines joined with `<br/>`.
 * https://mermaid.js.org/syntax/flowchart.html#entity-codes-to-escape-characters
 */
export function mermaidLabel(lines: readonly string[]): string {
  const escape = (s: string) => s
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/\|/g, '#124;');
  return `"${lines.map(escape).join('<br/>')}"`;
}

/** Node shapes (https://mermaid.js.org/syntax/flowchart.html#node-shapes). */
const SHAPES: Record<NodeKind, readonly [string, string]> = {
  'registry': ['[(', ')]'],
  'bucket': ['[(', ')]'],
  'sagemaker-pipeline': ['[[', ']]'],
  'codepipeline': ['[[', ']]'],
  'state-machine': ['[[', ']]'],
  'build-project': ['[[', ']]'],
  'function': ['([', '])'],
  'endpoint': ['{{', '}}'],
  'monitor': ['[/', '/]'],
  'event-bus': ['>', ']'],
  'forwarding': ['[/', '\\]'],
  'alarm': ['(', ')'],
  'schedule': ['(', ')'],
  'external': ['(', ')'],
  'product': ['[', ']'],
  'project': ['[', ']'],
  'stack': ['[', ']'],
};

const ARROWS: Record<EdgeKind, string> = {
  event: '-->',
  start: '-->',
  deploy: '==>',
  assume: '-.->',
};

function node(n: GraphNode, indent: string): string {
  const [open, close] = SHAPES[n.kind];
  return `${indent}${n.id}${open}${mermaidLabel(n.lines)}${close}`;
}

/**
 * The graph as a Mermaid flowchart, left to right: a subgraph per account holding a subgraph
 * per stack (a stack without key resources is one node), then the edges. Everything is already
 * sorted, so the same app gives the same text.
 */
export function renderMermaid(graph: PlatformGraph): string {
  const out = ['flowchart LR'];
  for (const account of graph.accounts) {
    out.push(`  subgraph ${account.id}[${mermaidLabel([account.lines.join(' · ')])}]`);
    for (const stack of account.stacks) {
      if (stack.nodes.length === 0) {
        out.push(node({ id: stack.id, kind: 'stack', lines: stack.lines }, '    '));
        continue;
      }
      out.push(`    subgraph ${stack.id}[${mermaidLabel([stack.lines.join(' · ')])}]`);
      for (const n of stack.nodes) out.push(node(n, '      '));
      out.push('    end');
    }
    for (const n of account.nodes) out.push(node(n, '    '));
    out.push('  end');
  }
  for (const e of graph.edges) {
    out.push(`  ${e.from} ${ARROWS[e.kind]}${e.label ? `|${mermaidLabel(wrap(e.label, 32))}|` : ''} ${e.to}`);
  }
  return `${out.join('\n')}\n`;
}
