import * as ts from 'typescript';

/*
 * What other jsii languages cannot do with a type of the assembly, found from the assembly
 * (`.jsii`) and the TypeScript declarations it was compiled from.
 *
 * jsii leaves `@internal` members out of the assembly, and the generated Python, Java, .NET and
 * Go classes have only what the assembly has. A TypeScript abstract class whose abstract member is
 * internal compiles, but a subclass in another language cannot implement that member: the
 * construct calling it fails at synth. jsii also accepts union types (they become `Object`,
 * `object` or `interface{}` elsewhere), intersections and async methods, which other languages
 * cannot call naturally.
 */

export interface TypeReference {
  readonly fqn?: string;
  readonly primitive?: string;
  readonly collection?: { kind: string; elementtype: TypeReference };
  readonly union?: { types: TypeReference[] };
  readonly intersection?: { types: TypeReference[] };
}

interface Parameter { name: string; type: TypeReference; variadic?: boolean }
interface Callable { name?: string; parameters?: Parameter[]; returns?: { type: TypeReference }; async?: boolean; abstract?: boolean; static?: boolean }
interface Property { name: string; type: TypeReference; abstract?: boolean }

export interface AssemblyType {
  readonly fqn: string;
  readonly name: string;
  readonly kind: string;
  readonly abstract?: boolean;
  readonly datatype?: boolean;
  readonly base?: string;
  readonly interfaces?: string[];
  readonly initializer?: Callable;
  readonly methods?: Callable[];
  readonly properties?: Property[];
  readonly locationInModule?: { filename: string };
}

export interface Assembly {
  readonly name: string;
  readonly dependencies?: Record<string, string>;
  readonly targets?: Record<string, unknown>;
  readonly types: Record<string, AssemblyType>;
}

/** Reads the TypeScript source of a type (its `locationInModule.filename`). */
export type SourceReader = (filename: string) => string;

/** Every problem another language would have with the assembly, one line each. */
export function crossLanguageProblems(assembly: Assembly, readSource: SourceReader): string[] {
  return [
    ...unsupportedTypeReferences(assembly),
    ...unimplementableMembers(assembly, readSource),
    ...unsubclassableAbstractClasses(assembly),
  ];
}

/** Unions, intersections, async methods and references to types no assembly defines. */
export function unsupportedTypeReferences(assembly: Assembly): string[] {
  const problems: string[] = [];
  const dependencies = Object.keys(assembly.dependencies ?? {});
  const check = (where: string, ref: TypeReference | undefined): void => {
    if (!ref) return;
    if (ref.union) problems.push(`${where}: a union type, which Java, .NET and Go see as an untyped object: use a class with static factories`);
    if (ref.intersection) problems.push(`${where}: an intersection type, which other languages cannot name`);
    if (ref.collection) check(where, ref.collection.elementtype);
    for (const member of [...ref.union?.types ?? [], ...ref.intersection?.types ?? []]) check(where, member);
    if (ref.fqn && !assembly.types[ref.fqn] && !dependencies.some((d) => ref.fqn!.startsWith(`${d}.`))) {
      problems.push(`${where}: type ${ref.fqn} is neither in the assembly nor in a dependency`);
    }
  };
  for (const type of Object.values(assembly.types)) {
    const callables: Array<[string, Callable]> = [
      ...(type.initializer ? [[`${type.fqn} constructor`, type.initializer] as [string, Callable]] : []),
      ...(type.methods ?? []).map((m) => [`${type.fqn}.${m.name}()`, m] as [string, Callable]),
    ];
    for (const [where, callable] of callables) {
      if (callable.async) problems.push(`${where}: async (a Promise), which other languages cannot await through jsii naturally`);
      for (const p of callable.parameters ?? []) check(`${where} parameter ${p.name}`, p.type);
      check(`${where} return`, callable.returns?.type);
    }
    for (const p of type.properties ?? []) check(`${type.fqn}.${p.name}`, p.type);
  }
  return problems;
}

/**
 * Members another language cannot implement: abstract members of an abstract class, or members
 * of a behavioral interface, that the TypeScript declaration has and the assembly does not.
 */
export function unimplementableMembers(assembly: Assembly, readSource: SourceReader): string[] {
  const problems: string[] = [];
  const sources = new Map<string, ts.SourceFile>();
  for (const type of Object.values(assembly.types)) {
    const implementable = (type.kind === 'class' && type.abstract) || (type.kind === 'interface' && !type.datatype);
    if (!implementable) continue;
    const filename = type.locationInModule?.filename;
    if (!filename) {
      problems.push(`${type.fqn}: the assembly does not say where it is declared`);
      continue;
    }
    if (!sources.has(filename)) sources.set(filename, ts.createSourceFile(filename, readSource(filename), ts.ScriptTarget.Latest, true));
    const declaration = findDeclaration(sources.get(filename)!, type.name);
    if (!declaration) {
      problems.push(`${type.fqn}: no declaration named ${type.name} in ${filename}`);
      continue;
    }
    const inAssembly = new Set([...(type.methods ?? []).map((m) => m.name), ...(type.properties ?? []).map((p) => p.name)]);
    for (const member of declaration.members) {
      const name = member.name && (ts.isIdentifier(member.name) || ts.isStringLiteral(member.name)) ? member.name.text : undefined;
      if (!name) continue;
      const mustImplement = ts.isClassDeclaration(declaration)
        ? (ts.getCombinedModifierFlags(member as ts.Declaration) & ts.ModifierFlags.Abstract) !== 0
        : true;
      if (mustImplement && !inAssembly.has(name)) {
        problems.push(`${type.fqn}.${name}: must be implemented by a ${type.kind === 'class' ? 'subclass' : 'class implementing it'} but is not in the assembly (internal), so no other language can: make it public and documented`);
      }
    }
  }
  return problems;
}

/** Abstract classes without a constructor other languages can call from a subclass. */
export function unsubclassableAbstractClasses(assembly: Assembly): string[] {
  return Object.values(assembly.types)
    .filter((t) => t.kind === 'class' && t.abstract && !t.initializer)
    .map((t) => `${t.fqn}: abstract without a public or protected constructor, so no other language can subclass it`);
}

function findDeclaration(source: ts.SourceFile, name: string): ts.ClassDeclaration | ts.InterfaceDeclaration | undefined {
  let found: ts.ClassDeclaration | ts.InterfaceDeclaration | undefined;
  source.forEachChild((node) => {
    if ((ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node)) && node.name?.text === name) found = node;
  });
  return found;
}
