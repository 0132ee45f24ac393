"""AutoGraph's source transformation (Python ``ast``), after TF's converters.

A function's source is rewritten in three passes:

1. jumps: ``break`` / ``continue`` become flags (``break_``, ``continue_``) that guard the rest of
   the loop body and join the loop's condition; a ``return`` that is not the last statement becomes
   ``do_return`` / ``retval_`` the same way (TF's ``break_statements``, ``continue_statements``,
   ``return_statements``). A loop's ``else`` runs when no ``break`` did.
2. analysis: per ``if`` / ``while`` / ``for``, the variables it binds, those live after it and those
   possibly defined before it (liveness and reaching definitions on the structured code).
3. conversion: each ``if`` / ``while`` / ``for`` becomes functions of its body plus
   ``get_state`` / ``set_state`` closures over the variables it binds that are live around it, and a
   call of ``ag__.if_stmt`` / ``while_stmt`` / ``for_stmt``; ``and`` / ``or`` / ``not`` / ``x if c else
   y`` become ``ag__.and_`` ...; every call becomes ``ag__.converted_call`` (which converts user
   functions in turn); a load of a variable that may be undefined goes through ``ag__.ld``.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterable
from typing import Any

_AG = "ag__"
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _ag(attr: str) -> ast.Attribute:
    return ast.Attribute(value=ast.Name(id=_AG, ctx=ast.Load()), attr=attr, ctx=ast.Load())


def _ag_call(attr: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=_ag(attr), args=list(args), keywords=[])


def _load(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Load())


def _store(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Store())


def _assign(name: str, value: ast.expr) -> ast.Assign:
    return ast.Assign(targets=[_store(name)], value=value)


def _thunk(expr: ast.expr) -> ast.Lambda:
    no_args = ast.arguments(
        posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]
    )
    return ast.Lambda(args=no_args, body=expr)


def _and(a: ast.expr, b: ast.expr) -> ast.expr:
    return _ag_call("and_", _thunk(a), _thunk(b))


def _def(name: str, args: list[str], body: list[ast.stmt]) -> ast.FunctionDef:
    arguments = ast.arguments(
        posonlyargs=[],
        args=[ast.arg(arg=a) for a in args],
        vararg=None,
        kwonlyargs=[],
        kw_defaults=[],
        kwarg=None,
        defaults=[],
    )
    return ast.FunctionDef(name=name, args=arguments, body=body or [ast.Pass()], decorator_list=[], returns=None)


def _walk_scope(node: ast.AST) -> Iterable[ast.AST]:
    """The nodes of ``node`` in the same function scope (not inside nested functions, classes or
    comprehensions, which bind their own names)."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        for c in ast.iter_child_nodes(n):
            if isinstance(c, (*_SCOPES, *_COMPREHENSIONS)):
                yield c  # the node itself (a def binds its name), not what is inside
            else:
                todo.append(c)


def _contains(stmts: list[ast.stmt], kind: type, in_loops: bool) -> bool:
    """Whether a ``kind`` statement (Break/Continue/Return) in ``stmts`` jumps out of them; a nested
    loop's ``break``/``continue`` are its own (``in_loops`` False)."""
    todo: list[ast.AST] = list(stmts)
    while todo:
        n = todo.pop()
        if isinstance(n, kind):
            return True
        if isinstance(n, _SCOPES):
            continue
        if isinstance(n, (ast.For, ast.While)) and not in_loops:
            todo.extend(n.orelse)
            continue
        todo.extend(c for c in ast.iter_child_nodes(n) if isinstance(c, (ast.stmt, ast.excepthandler, ast.match_case)))
    return False


class _Namer:
    """Fresh names that clash with no name of the function (TF's ``namer.new_symbol``)."""

    def __init__(self, tree: ast.AST) -> None:
        self.used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        self.used |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}
        self.used |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}

    def new(self, base: str) -> str:
        name, i = base, 0
        while name in self.used:
            i += 1
            name = f"{base}_{i}"
        self.used.add(name)
        return name


# ---------------------------------------------------------------------------------------------
# Pass 1: jumps


def _extra_test(loop: ast.For | ast.While, test: ast.expr) -> None:
    """Adds ``test`` to a loop's condition (a ``for``'s extra test, evaluated before each iteration)."""
    if isinstance(loop, ast.While):
        loop.test = _and(test, loop.test)
    else:
        old = getattr(loop, "_ag_extra_test", None)
        loop._ag_extra_test = test if old is None else _and(old, test)  # type: ignore[union-attr]


class _Guard:
    """Rewrites one kind of jump (``break``, ``continue`` or ``return``) into flag assignments, guarding
    the statements after a possible jump with ``if not flag``."""

    def __init__(self, kind: type, flag: str, retval: str | None = None) -> None:
        self.kind, self.flag, self.retval = kind, flag, retval
        self.in_loops = kind is ast.Return

    def jump(self, node: ast.stmt) -> list[ast.stmt]:
        out: list[ast.stmt] = [_assign(self.flag, ast.Constant(True))]
        if self.retval is not None:
            assert isinstance(node, ast.Return)
            out.append(_assign(self.retval, node.value or ast.Constant(None)))
        return out

    def block(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for i, s in enumerate(stmts):
            if isinstance(s, self.kind):
                return out + self.jump(s)
            if not _contains([s], self.kind, self.in_loops):
                out.append(s)
                continue
            rest = stmts[i + 1 :]
            if self.kind is ast.Return and isinstance(s, ast.If) and rest:
                # TF's return converter: the statements after an ``if`` one of whose branches always
                # returns run in its other branch (no ``do_return`` test for them).
                if _always_returns(s.body):
                    s.orelse, rest = s.orelse + rest, []
                elif _always_returns(s.orelse):
                    s.body, rest = s.body + rest, []
            out.append(self.inside(s))
            if rest:
                out.append(ast.If(test=_ag_call("not_", _load(self.flag)), body=self.block(rest), orelse=[]))
            return out
        return out

    def inside(self, s: ast.stmt) -> ast.stmt:
        if isinstance(s, ast.If):
            s.body, s.orelse = self.block(s.body), self.block(s.orelse)
        elif isinstance(s, (ast.With, ast.AsyncWith)):
            s.body = self.block(s.body)
        elif isinstance(s, ast.Try):
            s.body, s.orelse, s.finalbody = self.block(s.body), self.block(s.orelse), self.block(s.finalbody)
            for h in s.handlers:
                h.body = self.block(h.body)
        elif isinstance(s, ast.Match):
            for case in s.cases:
                case.body = self.block(case.body)
        elif isinstance(s, (ast.For, ast.While)):
            # Only a ``return`` reaches into a nested loop: it stops that loop too.
            s.body = self.block(s.body)
            _extra_test(s, _ag_call("not_", _load(self.flag)))
        return s


def _is_generator(fn: ast.FunctionDef) -> bool:
    return any(isinstance(n, (ast.Yield, ast.YieldFrom, ast.Await)) for n in _walk_scope(fn))


def _always_returns(stmts: list[ast.stmt]) -> bool:
    for s in stmts:
        if isinstance(s, ast.Return):
            return True
        if isinstance(s, ast.If) and _always_returns(s.body) and _always_returns(s.orelse):
            return True
        if (
            isinstance(s, ast.Match)
            and all(_always_returns(c.body) for c in s.cases)
            and any(
                isinstance(c.pattern, ast.MatchAs) and c.pattern.pattern is None and c.guard is None for c in s.cases
            )
        ):
            return True  # every case returns and one catches everything
    return False


class _LowerLoopJumps(ast.NodeTransformer):
    """``break`` / ``continue`` of each loop (innermost first) into flags; a loop's ``else`` into an
    ``if`` after it."""

    def __init__(self, namer: _Namer, root: ast.FunctionDef) -> None:
        self.namer, self.root = namer, root

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        # Functions defined inside are lowered on their own (see convert_function_def).
        return self.generic_visit(node) if node is self.root else node

    def _loop(self, node: ast.For | ast.While) -> Any:
        self.generic_visit(node)
        if _contains(node.body, ast.Continue, in_loops=False):
            flag = self.namer.new("continue_")
            node.body = [_assign(flag, ast.Constant(False)), *_Guard(ast.Continue, flag).block(node.body)]
        before: list[ast.stmt] = []
        after = node.orelse
        node.orelse = []
        if _contains(node.body, ast.Break, in_loops=False):
            flag = self.namer.new("break_")
            node.body = _Guard(ast.Break, flag).block(node.body)
            _extra_test(node, _ag_call("not_", _load(flag)))
            before = [_assign(flag, ast.Constant(False))]
            if after:
                after = [ast.If(test=_ag_call("not_", _load(flag)), body=after, orelse=[])]
        return [*before, node, *after]

    visit_For = _loop
    visit_While = _loop


def _lower_returns(fn: ast.FunctionDef, namer: _Namer) -> None:
    """A ``return`` anywhere but at the end of the body becomes ``do_return`` / ``retval_``."""
    body = fn.body
    tail_only = not _contains(body[:-1], ast.Return, True) and (
        not body or isinstance(body[-1], ast.Return) or not _contains(body[-1:], ast.Return, True)
    )
    if tail_only:
        return
    flag, retval = namer.new("do_return"), namer.new("retval_")
    fn.body = [
        _assign(flag, ast.Constant(False)),
        _assign(retval, _ag_call("UndefinedReturnValue")),
        *_Guard(ast.Return, flag, retval).block(body),
        ast.Return(value=_ag_call("ret", _load(retval), _load(flag))),
    ]


# ---------------------------------------------------------------------------------------------
# Pass 2: analysis (on structured code: no jumps left but the final return)


def _bound(nodes: Iterable[ast.AST]) -> set[str]:
    """Names bound by ``nodes`` in their own scope (assignment targets, defs, imports, ``as``)."""
    out: set[str] = set()
    for top in nodes:
        if isinstance(top, _SCOPES):  # a def binds its name; what its body binds is its own
            if not isinstance(top, ast.Lambda):
                out.add(top.name)
            continue
        for n in _walk_scope(top):
            if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
                out.add(n.id)
            elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n is not top:
                out.add(n.name)
            elif isinstance(n, (ast.Import, ast.ImportFrom)):
                out |= {(a.asname or a.name).split(".")[0] for a in n.names}
            elif isinstance(n, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and n.name:
                out.add(n.name)
            elif isinstance(n, ast.MatchMapping) and n.rest:
                out.add(n.rest)
    return out


def _composite_root(target: ast.expr) -> str | None:
    """The variable an attribute/item chain (``self.count``, ``d["k"].x``) hangs on, where its item
    indices are constants or names (TF's composite symbols); else None."""
    n = target
    while isinstance(n, (ast.Attribute, ast.Subscript)):
        if isinstance(n, ast.Subscript) and not isinstance(n.slice, (ast.Constant, ast.Name)):
            return None
        n = n.value
    return n.id if isinstance(n, ast.Name) and n is not target else None


def _composites(nodes: Iterable[ast.AST]) -> dict[str, str]:
    """The attribute/item chains ``nodes`` assign in their own scope: their source text -> root name."""
    out: dict[str, str] = {}
    for top in nodes:
        for n in _walk_scope(top):
            targets: list[ast.expr] = []
            if isinstance(n, ast.Assign):
                for t in n.targets:
                    targets.extend(t.elts if isinstance(t, (ast.Tuple, ast.List)) else [t])
            elif isinstance(n, (ast.AugAssign, ast.AnnAssign)):
                targets.append(n.target)
            for t in targets:
                root = _composite_root(t)
                if root is not None:
                    out[ast.unparse(t)] = root
    return out


def _loads(nodes: Iterable[ast.AST]) -> set[str]:
    """Names read by ``nodes``, nested functions included (they may read them when called); what a
    nested function, lambda or comprehension binds for itself (its parameters, targets, own
    assignments) is not a read of the enclosing function's variable of that name."""
    out: set[str] = set()
    for top in nodes:
        todo = [top]
        while todo:
            n = todo.pop()
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                out |= _function_loads(n)
                continue
            if isinstance(n, _COMPREHENSIONS):
                out |= _comprehension_loads(n)
                continue
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
                out.add(n.id)
            elif isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
                out.add(n.target.id)
            todo.extend(ast.iter_child_nodes(n))
    return out


def _function_loads(fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> set[str]:
    """The enclosing scope's names a nested function or lambda reads: its defaults and decorators, and
    what its body reads that is not its own (parameters, names it binds without ``global``/``nonlocal``)."""
    a = fn.args
    outer: list[ast.AST] = [*a.defaults, *[d for d in a.kw_defaults if d is not None]]
    if isinstance(fn, ast.Lambda):
        return _loads(outer) | (_loads([fn.body]) - _params(fn))
    declared: set[str] = set()
    for stmt in fn.body:
        for n in _walk_scope(stmt):
            if isinstance(n, (ast.Global, ast.Nonlocal)):
                declared |= set(n.names)
    own = _params(fn) | (_bound(fn.body) - declared)
    return _loads([*outer, *fn.decorator_list]) | (_loads(fn.body) - own)


def _comprehension_loads(c: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp) -> set[str]:
    """The enclosing scope's names a comprehension reads (its first iterable is evaluated outside it)."""
    gens = c.generators
    inner: list[ast.AST] = [*(g.iter for g in gens[1:]), *(i for g in gens for i in g.ifs)]
    inner += [c.key, c.value] if isinstance(c, ast.DictComp) else [c.elt]
    return _loads([gens[0].iter]) | (_loads(inner) - _bound([g.target for g in gens]))


def _live_block(stmts: list[ast.stmt], live_out: set[str]) -> set[str]:
    live = set(live_out)
    for s in reversed(stmts):
        live = _live_stmt(s, live)
    return live


def _live_stmt(s: ast.stmt, out: set[str]) -> set[str]:
    if isinstance(s, ast.If):
        live_in = _loads([s.test]) | _live_block(s.body, out) | _live_block(s.orelse, out)
    elif isinstance(s, (ast.While, ast.For)):
        head_uses = _loads([s.test]) if isinstance(s, ast.While) else set()
        extra = getattr(s, "_ag_extra_test", None)
        if extra is not None:
            head_uses |= _loads([extra])
        target = _bound([s.target]) if isinstance(s, ast.For) else set()
        head = out | head_uses
        while True:  # the loop's head: after the loop, or one more iteration
            new = out | head_uses | (_live_block(s.body, head) - target)
            if new == head:
                break
            head = new
        live_in = head | (_loads([s.iter]) if isinstance(s, ast.For) else set())
    elif isinstance(s, ast.Match):
        live_in = _loads([s.subject])
        for case in s.cases:
            live_in |= (_live_block(case.body, out) - _bound([case.pattern])) | _loads(
                [case.guard] if case.guard else []
            )
        live_in |= out  # no case may match
    elif isinstance(s, (ast.With, ast.AsyncWith)):
        live_in = _loads(s.items) | (
            _live_block(s.body, out) - _bound(i.optional_vars for i in s.items if i.optional_vars)
        )
    elif isinstance(s, ast.Try):
        after = _live_block(s.finalbody, out)
        handlers: set[str] = set()
        for h in s.handlers:
            handlers |= _live_block(h.body, after) | _loads([h.type] if h.type else [])
        live_in = _live_block(s.body, _live_block(s.orelse, after) | handlers) | handlers
    else:
        live_in = (out - _bound([s])) | _loads([s])
    s._ag_live_out, s._ag_live_in = set(out), set(live_in)  # type: ignore[attr-defined]
    return live_in


def _defined_block(stmts: list[ast.stmt], defined: set[str]) -> set[str]:
    """Annotates ``_ag_defined_in`` (names possibly bound on entry); returns the set after ``stmts``."""
    defined = set(defined)
    for s in stmts:
        s._ag_defined_in = set(defined)  # type: ignore[attr-defined]
        if isinstance(s, ast.If):
            defined = _defined_block(s.body, defined) | _defined_block(s.orelse, defined)
        elif isinstance(s, (ast.While, ast.For)):
            # The body becomes a function called once per iteration: what an earlier iteration bound
            # is there only for the loop variables (bound in the body and live around the loop).
            target = _bound([s.target]) if isinstance(s, ast.For) else set()
            body = _bound(s.body)
            carried = body & (s._ag_live_in | s._ag_live_out)  # type: ignore[attr-defined]
            _defined_block(s.body, defined | target | carried)
            defined = defined | body | target
        elif isinstance(s, (ast.With, ast.AsyncWith, ast.Try, ast.Match)):
            for block in ("body", "orelse", "finalbody"):
                _defined_block(getattr(s, block, []), defined)
            for h in getattr(s, "handlers", []):
                _defined_block(h.body, defined)
            for case in getattr(s, "cases", []):
                _defined_block(case.body, defined | _bound([case.pattern]))
            defined |= _bound([s])
        else:
            defined |= _bound([s])
    return defined


def _params(fn: ast.FunctionDef | ast.Lambda) -> set[str]:
    a = fn.args
    names = [*a.posonlyargs, *a.args, *a.kwonlyargs, *([a.vararg] if a.vararg else []), *([a.kwarg] if a.kwarg else [])]
    return {x.arg for x in names}


# ---------------------------------------------------------------------------------------------
# Pass 3: conversion


class _Scope:
    def __init__(self, fn: ast.FunctionDef) -> None:
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()
        for n in _walk_scope(fn):
            if isinstance(n, ast.Global):
                self.globals |= set(n.names)
            elif isinstance(n, ast.Nonlocal):
                self.nonlocals |= set(n.names)
        self.locals = _bound(fn.body) - self.globals - self.nonlocals


class _Convert(ast.NodeTransformer):
    def __init__(self, namer: _Namer, first_arg: str | None) -> None:
        self.namer = namer
        self.scopes: list[_Scope] = []
        self.first_arg = first_arg  # the converted function's ``self``, for zero-argument super()

    # -- scopes

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        if _is_generator(node):
            return node  # a generator defined inside: left as written
        _live_block(node.body, set())
        _defined_block(node.body, _params(node))
        nested = bool(self.scopes)
        self.scopes.append(_Scope(node))
        try:
            node.decorator_list = [self.visit(d) for d in node.decorator_list]
            node.args = self.visit(node.args)
            node.body = self._stmts(node.body)
        finally:
            self.scopes.pop()
        if nested:  # converted with its parent: calls of it are not converted again
            node.decorator_list.append(_ag("autograph_artifact"))
        return node

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> Any:
        return node  # coroutines are left as written

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        return node  # a class defined inside: left as written

    def _stmts(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for s in stmts:
            r = self.visit(s)
            out.extend(r if isinstance(r, list) else [r])
        return out

    # -- expressions

    def visit_Name(self, node: ast.Name) -> Any:
        if isinstance(node.ctx, ast.Load) and self.scopes and node.id in self.scopes[-1].locals:
            return ast.copy_location(_ag_call("ld", node), node)
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> Any:
        # An annotated name cannot be declared nonlocal, as a state variable moved into a branch's or
        # loop body's function is: the annotation goes (it has no run-time effect in a function).
        if isinstance(node.target, ast.Name):
            if node.value is None:
                return ast.copy_location(ast.Pass(), node)
            return ast.copy_location(ast.Assign(targets=[node.target], value=self.visit(node.value)), node)
        return self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> Any:
        self.generic_visit(node)
        op = "and_" if isinstance(node.op, ast.And) else "or_"
        expr = node.values[-1]
        for v in reversed(node.values[:-1]):
            expr = _ag_call(op, _thunk(v), _thunk(expr))
        return ast.copy_location(expr, node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Any:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return ast.copy_location(_ag_call("not_", node.operand), node)
        return node

    def visit_IfExp(self, node: ast.IfExp) -> Any:
        text = ast.unparse(node)
        self.generic_visit(node)
        call = _ag_call("if_exp", node.test, _thunk(node.body), _thunk(node.orelse), ast.Constant(text))
        return ast.copy_location(call, node)

    def visit_Call(self, node: ast.Call) -> Any:
        func = node.func
        if isinstance(func, ast.Name) and func.id == "super" and not node.args and self.first_arg:
            # Zero-argument super() needs the class cell, which a converted function lacks.
            node.args = [_load("__class__"), _load(self.first_arg)]
        if isinstance(func, ast.Name) and func.id in ("print", "super", "locals", "globals", "eval", "exec"):
            self.generic_visit(node)
            return node  # TF leaves print (and the scope builtins) unconverted
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == _AG:
            self.generic_visit(node)
            return node
        self.generic_visit(node)
        args = ast.Tuple(elts=node.args, ctx=ast.Load())
        if node.keywords:
            kwargs: ast.expr = ast.Call(func=_load("dict"), args=[], keywords=node.keywords)
        else:
            kwargs = ast.Constant(None)
        return ast.copy_location(_ag_call("converted_call", node.func, args, kwargs), node)

    # -- control flow

    def _block_vars(
        self, node: ast.stmt, modified: set[str], blocks: list[ast.stmt]
    ) -> tuple[list[str], list[str], int]:
        """TF's ``_get_block_vars``: the state variables (outputs first), the undefined ones, and
        how many are outputs. An attribute/item chain the blocks assign (``self.n``) is state where
        its root variable is live into the statement."""
        scope = self.scopes[-1]
        live_in, live_out = node._ag_live_in, node._ag_live_out  # type: ignore[attr-defined]
        state = {s for s in modified if s in live_in or s in live_out or s in scope.nonlocals}
        undefined = sorted(modified - node._ag_defined_in - scope.globals - scope.nonlocals)  # type: ignore[attr-defined]
        input_only = {s for s in state if s in live_in and s not in live_out}
        composite = sorted(c for c, root in _composites(blocks).items() if root in live_in and root not in modified)
        ordered = sorted(state, key=lambda v: (v in input_only, v))
        ordered[len(ordered) - len(input_only) : len(ordered) - len(input_only)] = composite
        return ordered, undefined, len(ordered) - len(input_only)

    def _declarations(self, names: list[str]) -> list[ast.stmt]:
        scope = self.scopes[-1]
        out: list[ast.stmt] = []
        names = [n for n in names if n.isidentifier()]  # attribute/item chains need no declaration
        glob = sorted(n for n in names if n in scope.globals)
        if glob:
            out.append(ast.Global(names=glob))
        nonloc = sorted(n for n in names if n not in scope.globals)
        if nonloc:
            out.append(ast.Nonlocal(names=nonloc))
        return out

    def _state_functions(self, names: list[str]) -> tuple[list[ast.stmt], str, str]:
        get, set_ = self.namer.new("get_state"), self.namer.new("set_state")
        if not names:
            return (
                [_def(get, [], [ast.Return(ast.Tuple(elts=[], ctx=ast.Load()))]), _def(set_, ["block_vars"], [])],
                get,
                set_,
            )
        loads = [
            _load(n) if n.isidentifier() else _ag_call("ldu", _thunk(ast.parse(n, mode="eval").body), ast.Constant(n))
            for n in names
        ]
        vals = self.namer.new("vars_")  # not a state variable's name
        getter = _def(get, [], [ast.Return(ast.Tuple(elts=loads, ctx=ast.Load()))])
        if all(n.isidentifier() for n in names):
            assigns: list[ast.stmt] = [
                ast.Assign(targets=[ast.Tuple(elts=[_store(n) for n in names], ctx=ast.Store())], value=_load(vals))
            ]
        else:
            assigns = []
            for i, n in enumerate(names):
                value = ast.Subscript(value=_load(vals), slice=ast.Constant(i), ctx=ast.Load())
                if n.isidentifier():
                    assigns.append(ast.Assign(targets=[_store(n)], value=value))
                    continue
                target = ast.parse(n, mode="eval").body
                target.ctx = ast.Store()  # type: ignore[attr-defined]
                # An attribute that did not exist before stays absent.
                defined = ast.UnaryOp(
                    op=ast.Not(),
                    operand=ast.Call(func=_load("isinstance"), args=[value, _ag("Undefined")], keywords=[]),
                )
                assigns.append(ast.If(test=defined, body=[ast.Assign(targets=[target], value=value)], orelse=[]))
        setter = _def(set_, [vals], [*self._declarations(names), *assigns])
        return [getter, setter], get, set_

    def _undefined_assigns(self, names: list[str]) -> list[ast.stmt]:
        return [_assign(n, _ag_call("Undefined", ast.Constant(n))) for n in names]

    def _names_tuple(self, names: list[str]) -> ast.Tuple:
        return ast.Tuple(elts=[ast.Constant(n) for n in names], ctx=ast.Load())

    def _opts(self, node: ast.For | ast.While) -> ast.Dict:
        """The loop's ``tf.autograph.experimental.set_loop_options(...)`` arguments (TF's directive)."""
        keys: list[ast.expr | None] = []
        values: list[ast.expr] = []
        for s in node.body:
            if (
                isinstance(s, ast.Expr)
                and isinstance(s.value, ast.Call)
                and (getattr(s.value.func, "attr", None) or getattr(s.value.func, "id", None)) == "set_loop_options"
            ):
                for k in s.value.keywords:
                    keys.append(ast.Constant(k.arg))
                    values.append(copy.deepcopy(k.value))
        return ast.Dict(keys=keys, values=values)

    def visit_If(self, node: ast.If) -> Any:
        modified = _bound(node.body) | _bound(node.orelse)
        names, undefined, nouts = self._block_vars(node, modified, node.body + node.orelse)
        test = self.visit(node.test)
        body, orelse = self._stmts(node.body), self._stmts(node.orelse)
        state, get, set_ = self._state_functions(names)
        decl = self._declarations(names)
        body_name, else_name = self.namer.new("if_body"), self.namer.new("else_body")
        call = ast.Expr(
            _ag_call(
                "if_stmt",
                test,
                _load(body_name),
                _load(else_name),
                _load(get),
                _load(set_),
                self._names_tuple(names),
                ast.Constant(nouts),
            )
        )
        ast.copy_location(call, node)
        return [
            *state,
            _def(body_name, [], decl + body),
            _def(else_name, [], decl + orelse),
            *self._undefined_assigns(undefined),
            call,
        ]

    def visit_While(self, node: ast.While) -> Any:
        names, undefined, _ = self._block_vars(node, _bound(node.body), node.body)
        opts = self._opts(node)
        test = self.visit(node.test)
        body = self._stmts(node.body)
        state, get, set_ = self._state_functions(names)
        decl = self._declarations(names)
        body_name, test_name = self.namer.new("loop_body"), self.namer.new("loop_test")
        call = ast.Expr(
            _ag_call(
                "while_stmt",
                _load(test_name),
                _load(body_name),
                _load(get),
                _load(set_),
                self._names_tuple(names),
                opts,
            )
        )
        ast.copy_location(call, node)
        return [
            *state,
            _def(body_name, [], decl + body),
            _def(test_name, [], [ast.Return(test)]),
            *self._undefined_assigns(undefined),
            call,
        ]

    def visit_For(self, node: ast.For) -> Any:
        names, undefined, _ = self._block_vars(node, _bound(node.body) | _bound([node.target]), node.body)
        opts = self._opts(node)
        opts.keys.append(ast.Constant("iterate_names"))
        opts.values.append(ast.Constant(ast.unparse(node.target)))
        extra = getattr(node, "_ag_extra_test", None)
        it = node.iter
        if isinstance(it, ast.Call) and not (isinstance(it.func, ast.Name) and it.func.id in ("print", "super")):
            # A range's bound may be symbolic: ``ag__.for_iter`` keeps it lazy.
            self.generic_visit(it)
            kw: ast.expr = (
                ast.Call(func=_load("dict"), args=[], keywords=it.keywords) if it.keywords else ast.Constant(None)
            )
            iter_expr: ast.expr = _ag_call("for_iter", it.func, ast.Tuple(elts=it.args, ctx=ast.Load()), kw)
        else:
            iter_expr = self.visit(it)
        target = node.target
        body = self._stmts(node.body)
        state, get, set_ = self._state_functions(names)
        decl = self._declarations(names)
        body_name, itr = self.namer.new("loop_body"), self.namer.new("itr")
        out: list[ast.stmt] = [
            *state,
            _def(body_name, [itr], [*decl, ast.Assign(targets=[target], value=_load(itr)), *body]),
        ]
        if extra is not None:
            extra_name = self.namer.new("extra_test")
            out.append(_def(extra_name, [], [ast.Return(self.visit(extra))]))
            extra_expr: ast.expr = _load(extra_name)
        else:
            extra_expr = ast.Constant(None)
        call = ast.Expr(
            _ag_call(
                "for_stmt",
                iter_expr,
                extra_expr,
                _load(body_name),
                _load(get),
                _load(set_),
                self._names_tuple(names),
                opts,
            )
        )
        ast.copy_location(call, node)
        return [*out, *self._undefined_assigns(undefined), call]


class Unsupported(Exception):
    """The function cannot be converted (it runs unconverted, as TF does)."""


def convert_function_def(fn: ast.FunctionDef, name: str) -> ast.FunctionDef:
    """The converted copy of the parsed function ``fn``, renamed ``name``.

    >>> import ast
    >>> fn = ast.parse("def f(x): return x if x > 0 else -x").body[0]
    >>> print(ast.unparse(convert_function_def(fn, "g")))
    def g(x):
        return ag__.if_exp(x > 0, lambda: x, lambda: -x, 'x if x > 0 else -x')
    """
    if _is_generator(fn):
        raise Unsupported("generators and coroutines are not converted")
    fn = copy.deepcopy(fn)
    fn.decorator_list = []
    fn.name = name
    namer = _Namer(fn)
    # Each function of the source (the converted one and those defined inside it, but generators)
    # gets its jumps lowered; inner functions first, so that their returns stay theirs.
    for inner in [n for n in ast.walk(fn) if isinstance(n, ast.FunctionDef)][::-1]:
        if not _is_generator(inner):
            _LowerLoopJumps(namer, inner).visit(inner)
            _lower_returns(inner, namer)
    first = [*fn.args.posonlyargs, *fn.args.args]
    fn = _Convert(namer, first[0].arg if first else None).visit(fn)
    return ast.fix_missing_locations(fn)
