#!/usr/bin/python3
"""Cycles among the source files of one program: file A depends on file B
when A's object uses a symbol B's object defines. Prints every strongly
connected set of two or more files and exits 1 if there is one. With
--levels and no cycle, prints the files by layer instead: layer 0 uses no
other file, layer n uses files of layers below n only.

Usage: cycles.py [--levels] NM ROOT OBJECT...
"""
import os
import subprocess
import sys


def symbols(nm, obj):
    """(defined, used) global symbols of one object."""
    out = subprocess.run([nm, "-g", obj], check=True, capture_output=True,
                         text=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            used.add(parts[1])
        elif len(parts) == 3:
            defined.add(parts[2])
    return defined, used


def strongly_connected(graph):
    """Tarjan's algorithm, iterative; yields each component as a list."""
    index, low, stack, on_stack = {}, {}, [], set()
    counter = [0]
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            advanced = False
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    n = stack.pop()
                    on_stack.discard(n)
                    comp.append(n)
                    if n == node:
                        break
                yield comp


def source_of(obj, root):
    """hyp/core/vcpu.c for <out>/hyp/core/vcpu.c.o."""
    path = obj[:-2]
    parts = path.split(os.sep)
    for i in range(len(parts)):
        rel = os.sep.join(parts[i:])
        if os.path.exists(os.path.join(root, rel)):
            return rel
    return path


def print_levels(graph):
    """Each file's layer: one more than the highest layer it uses."""
    level = {}

    def of(src):
        if src not in level:
            level[src] = 1 + max((of(dst) for dst in graph[src]), default=-1)
        return level[src]

    layers = {}
    for src in graph:
        layers.setdefault(of(src), []).append(src)
    for n in sorted(layers):
        print("%2d %s" % (n, " ".join(sorted(layers[n]))))


def main():
    args = sys.argv[1:]
    levels = args[:1] == ["--levels"]
    if levels:
        args = args[1:]
    nm, root, objs = args[0], args[1], args[2:]
    owner, uses = {}, {}
    for obj in objs:
        src = source_of(obj, root)
        defined, used = symbols(nm, obj)
        for sym in defined:
            owner[sym] = src
        uses[src] = used
    graph = {src: {owner[s] for s in used if s in owner and owner[s] != src}
             for src, used in uses.items()}
    found = False
    for comp in strongly_connected(graph):
        if len(comp) < 2:
            continue
        found = True
        members = set(comp)
        print("cycle: " + " ".join(sorted(comp)))
        for src in sorted(comp):
            for dst in sorted(graph[src] & members):
                syms = sorted(s for s in uses[src] if owner.get(s) == dst)
                print("  %s -> %s (%s)" % (src, dst, ", ".join(syms[:4])))
    if levels and not found:
        print_levels(graph)
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
