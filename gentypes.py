#!/usr/bin/env python3
# gentypes.py: turn libxl_types.idl into C.
#
#   python3 gentypes.py libxl_types.idl include/_libxl_types.h \
#       include/_libxl_types_json.h src/types/_libxl_types.c
#
# The header declares every enumeration and structure with libxl 4.17's
# layout plus their functions; the JSON header declares each type's
# libxl_<type>_gen_json (yajl); the source implements them on top of the
# helpers in src/types/types_internal.h and the builtins'
# src/types/builtins.h. JSON is written into the caller's yajl generator
# by gen_json and through the direct writer of src/types/json_write.h by
# to_json (the same bytes: yajl's as libxl configures it); it is parsed
# with json-c.
#
# Every operation (init, dispose, copy, gen_json and write, parse) is one
# recursive function below that emits C for "a value of type T at lvalue
# LV": the same walk handles members of named structs, anonymous structs,
# keyed-union members and array elements.

import os
import sys

import idl

HEADER_GUARD = "LIGHTCORE_LIBXL_TYPES_H"
JSON_HEADER_GUARD = "LIGHTCORE_LIBXL_TYPES_JSON_H"


def union_member_typename(struct, union_field, member):
    """Name of the struct type generated for one keyed-union member, e.g.
    libxl_event_u_domain_shutdown. The "_u_" infix does not occur in any
    libxl 4.17 type name."""
    return "%s_%s_%s" % (struct.typename, union_field.name, member.name)


def is_named_struct(ty):
    return isinstance(ty, idl.Struct) and ty.typename is not None


def is_anon_struct(ty):
    return isinstance(ty, idl.Struct) and ty.typename is None


def is_kind(ty, kind):
    return isinstance(ty, idl.Builtin) and ty.kind == kind


def is_uniform(ty):
    return isinstance(ty, idl.Builtin) and ty.uniform


def cdecl(typename, name):
    """"char *" and "name" make "char *name"."""
    if typename.endswith("*"):
        return typename + name
    return "%s %s" % (typename, name)


def check_supported(ty, where):
    if is_kind(ty, "opaque"):
        raise SystemExit("gentypes: %s: opaque fields are not supported"
                         % where)
    if isinstance(ty, idl.Array) and \
            isinstance(ty.elem_type, (idl.Array, idl.KeyedUnion)):
        raise SystemExit("gentypes: %s: arrays of %s are not supported"
                         % (where, ty.elem_type.__class__.__name__))


class Out(object):
    """Lines of C with an indentation level."""

    def __init__(self):
        self.lines = []
        self.level = 0

    def __call__(self, text=""):
        if text:
            self.lines.append("    " * self.level + text)
        else:
            self.lines.append("")

    def indent(self):
        self.level += 1

    def dedent(self):
        self.level -= 1


# ------------------------------------------------------------- header

def header_enum(e, o):
    o("typedef enum %s {" % e.typename)
    for v in e.values:
        o("    %s = %d," % (v.cname, v.value))
    o("} %s;" % e.typename)
    t = e.typename
    o("char *%s_to_json(libxl_ctx *ctx, %s p);" % (t, t))
    o("int %s_from_json(libxl_ctx *ctx, %s *p, const char *s);" % (t, t))
    o("const char *%s_to_string(%s p);" % (t, t))
    o("int %s_from_string(const char *s, %s *e);" % (t, t))
    o("extern libxl_enum_string_table %s_string_table[];" % t)


def member_decls(fields, o, struct=None):
    """C member declarations: keyed unions expand to key + union (whose
    members use the named member types of struct), arrays to count +
    pointer, anonymous structs to an in-place struct."""
    for f in fields:
        check_supported(f.type, f.name)
        ty = f.type
        if isinstance(ty, idl.KeyedUnion):
            o("%s %s;" % (ty.keyvar_type.typename, ty.keyvar_name))
            o("union {")
            for m in ty.members:
                if m.has_data:
                    o("    %s %s;" % (union_member_typename(struct, f, m),
                                      m.name))
            o("} %s;" % f.name)
        elif isinstance(ty, idl.Array):
            o("int %s;" % ty.lenvar_name)
            o("%s *%s;" % (ty.elem_type.typename, f.name))
        elif is_anon_struct(ty):
            o("struct {")
            o.indent()
            member_decls(ty.fields, o)
            o.dedent()
            o("} %s;" % f.name)
        else:
            o("%s%s;" % ("const " if f.const else "", cdecl(ty.typename, f.name)))


def header_struct(s, o):
    for uf in s.keyed_unions():
        for m in uf.type.members:
            if not m.has_data:
                continue
            name = union_member_typename(s, uf, m)
            o("/* The %s member of %s's union %s. */"
              % (m.name, s.typename, uf.name))
            o("typedef struct %s {" % name)
            o.indent()
            member_decls(m.struct.fields, o)
            o.dedent()
            o("} %s;" % name)
            o()
    t = s.typename
    o("typedef struct %s {" % t)
    o.indent()
    member_decls(s.fields, o, s)
    o.dedent()
    o("} %s;" % t)
    if s.has_dispose:
        o("void %s_dispose(%s *p);" % (t, t))
    o("void %s_copy(libxl_ctx *ctx, %s *dst, const %s *src);" % (t, t, t))
    o("void %s_init(%s *p);" % (t, t))
    for uf in s.keyed_unions():
        ku = uf.type
        o("void %s_init_%s(%s *p, %s %s);" % (
            t, ku.keyvar_name, t, ku.keyvar_type.typename, ku.keyvar_name))
    o("char *%s_to_json(libxl_ctx *ctx, %s *p);" % (t, t))
    o("int %s_from_json(libxl_ctx *ctx, %s *p, const char *s);" % (t, t))


HEADER_COMMENT = """\
/*
 * _libxl_types.h: enumerations and structures shared with libxl 4.17,
 * generated by gentypes.py from libxl_types.idl. Do not edit.
 *
 * Included by libxl.h after _libxl_builtin_types.h. Layouts, names and
 * values are those of libxenlight 4.17. Every function taking a
 * libxl_ctx accepts ctx == NULL.
 *
 * _init: sets the default value; _init_<key>(p, k): on a value fresh from
 * _init, selects the keyed-union member k and sets its defaults;
 * _dispose: frees what the value owns and zeroes it (both may be
 * repeated); _copy: deep copy into an initialised dst holding nothing
 * (aborts if memory runs out, as libxl does); _to_json: malloc'ed text
 * (NULL on failure); _from_json: parses into an initialised value,
 * returns 0 or ERROR_FAIL (malformed text, wrong JSON types, numbers out
 * of range, unknown enumeration names, more than one keyed-union member,
 * nesting deeper than 64 arrays/objects) and then leaves the value in
 * its initial state. _from_string is case-insensitive. The yajl
 * generators (libxl_<type>_gen_json) are declared in libxl_json.h.
 *
 * Beyond libxl: each keyed-union member that carries data has a named
 * struct type <struct>_<union>_<member> (e.g.
 * libxl_event_u_domain_shutdown); the union is declared with those
 * types, so the layout is unchanged.
 */"""


def gen_header(types, path):
    o = Out()
    for line in HEADER_COMMENT.split("\n"):
        o(line)
    for line in ["#ifndef %s" % HEADER_GUARD, "#define %s" % HEADER_GUARD,
                 "", "#include <stdbool.h>", "#include <stdint.h>", "",
                 "#ifdef __cplusplus", 'extern "C" {', "#endif", ""]:
        o(line)
    for t in types:
        if isinstance(t, idl.Enumeration):
            header_enum(t, o)
        else:
            header_struct(t, o)
        o()
    for line in ["#ifdef __cplusplus", "}", "#endif", "",
                 "#endif /* %s */" % HEADER_GUARD]:
        o(line)
    write(path, o.lines)


def gen_json_header(types, path):
    o = Out()
    o("/*")
    o(" * _libxl_types_json.h: the yajl generator of every type of")
    o(" * libxl_types.idl, generated by gentypes.py. Do not edit.")
    o(" * Included by libxl_json.h (after <yajl/yajl_gen.h> and libxl.h).")
    o(" */")
    o("#ifndef %s" % JSON_HEADER_GUARD)
    o("#define %s" % JSON_HEADER_GUARD)
    o()
    o("#ifdef __cplusplus")
    o('extern "C" {')
    o("#endif")
    o()
    for t in types:
        o("yajl_gen_status %s_gen_json(yajl_gen hand, %s *p);"
          % (t.typename, t.typename))
    o()
    o("#ifdef __cplusplus")
    o("}")
    o("#endif")
    o()
    o("#endif /* %s */" % JSON_HEADER_GUARD)
    write(path, o.lines)


# ------------------------------------------------------------- init

def typed_init(ty, init_val):
    """init_val as a value of ty: a macro given to an integer member is
    cast to the member's type (LIBXL_MAX_GRANT_DEFAULT is unsigned and
    also initialises an int), which is what assignment does anyway."""
    if isinstance(ty, idl.Number) and not init_val.lstrip("-").isdigit():
        return "(%s)%s" % (ty.typename, init_val)
    return init_val


def init_value(ty, init_val, lv, o):
    """Statements giving lv (already zeroed) its initial value."""
    if init_val is not None:
        o("%s = %s;" % (lv, typed_init(ty, init_val)))
    elif is_named_struct(ty):
        o("%s_init(&%s);" % (ty.typename, lv))
    elif is_anon_struct(ty):
        init_fields(ty.fields, lv + ".", o)
    elif is_uniform(ty):
        o("lc_%s_init(&%s);" % (ty.kind, lv))
    # numbers, bools, strings, enumerations without init value and arrays
    # start as zero bytes


def init_fields(fields, prefix, o):
    for f in fields:
        if f.const:
            continue
        if isinstance(f.type, idl.KeyedUnion):
            if f.type.keyvar_init is not None:
                o("%s%s = %s;" % (prefix, f.type.keyvar_name,
                                  f.type.keyvar_init))
        else:
            init_value(f.type, f.init_val, prefix + f.name, o)


def src_init(s, o):
    t = s.typename
    o("void %s_init(%s *p)" % (t, t))
    o("{")
    o.indent()
    o("memset(p, 0, sizeof(*p));")
    init_fields(s.fields, "p->", o)
    o.dedent()
    o("}")
    o()
    for uf in s.keyed_unions():
        ku = uf.type
        key = "p->" + ku.keyvar_name
        o("void %s_init_%s(%s *p, %s %s)" % (
            t, ku.keyvar_name, t, ku.keyvar_type.typename, ku.keyvar_name))
        o("{")
        o.indent()
        o("/* libxl's contract: p comes straight from %s_init */" % t)
        if ku.keyvar_init is not None:
            o("assert(%s == %s);" % (key, ku.keyvar_init))
        else:
            o("assert(!%s);" % key)
        o("%s = %s;" % (key, ku.keyvar_name))
        union_switch(ku, key, o, lambda m: init_fields(
            m.struct.fields, "p->%s.%s." % (uf.name, m.name), o))
        o.dedent()
        o("}")
        o()


def union_switch(ku, key, o, per_member):
    """switch (key) with a case for each member carrying data."""
    o("switch (%s) {" % key)
    for m in ku.members:
        if not m.has_data:
            continue
        o("case %s:" % m.value.cname)
        o.indent()
        per_member(m)
        o("break;")
        o.dedent()
    o("default:")
    o("    break;")
    o("}")


# ------------------------------------------------------------- dispose

def dispose_value(ty, lv, o, parent):
    if is_kind(ty, "string"):
        o("free(%s);" % lv)
    elif is_uniform(ty):
        o("lc_%s_dispose(&%s);" % (ty.kind, lv))
    elif is_named_struct(ty):
        if ty.has_dispose:
            o("%s_dispose(&%s);" % (ty.typename, lv))
    elif is_anon_struct(ty):
        dispose_fields(ty.fields, lv + ".", o)
    elif isinstance(ty, idl.Array):
        count = parent + ty.lenvar_name
        body = Out()
        body.level = o.level + 1
        dispose_value(ty.elem_type, lv + "[i]", body, parent)
        if body.lines:
            o("for (int i = 0; i < %s; i++) {" % count)
            o.lines += body.lines
            o("}")
        o("free(%s);" % lv)


def dispose_fields(fields, prefix, o):
    for f in fields:
        if f.const or is_kind(f.type, "link"):
            continue
        if isinstance(f.type, idl.KeyedUnion):
            ku = f.type
            union_switch(ku, prefix + ku.keyvar_name, o, lambda m:
                         dispose_fields(m.struct.fields, "%s%s.%s." % (
                             prefix, f.name, m.name), o))
        else:
            dispose_value(f.type, prefix + f.name, o, prefix)


def src_dispose(s, o):
    t = s.typename
    o("void %s_dispose(%s *p)" % (t, t))
    o("{")
    o.indent()
    o("if (!p)")
    o("    return;")
    dispose_fields(s.fields, "p->", o)
    o("memset(p, 0, sizeof(*p));")
    o.dedent()
    o("}")
    o()


# ------------------------------------------------------------- copy

def copy_value(ty, dst, src, o, dparent, sparent):
    if is_kind(ty, "string"):
        o("%s = lc_strdup(%s);" % (dst, src))
    elif is_uniform(ty):
        o("lc_%s_copy(ctx, &%s, &%s);" % (ty.kind, dst, src))
    elif is_named_struct(ty):
        o("%s_copy(ctx, &%s, &%s);" % (ty.typename, dst, src))
    elif is_anon_struct(ty):
        copy_fields(ty.fields, dst + ".", src + ".", o)
    elif isinstance(ty, idl.Array):
        n = sparent + ty.lenvar_name
        o("%s = lc_calloc_array(%s, sizeof(*%s));" % (dst, n, dst))
        o("%s%s = %s;" % (dparent, ty.lenvar_name, n))
        o("for (int i = 0; i < %s; i++) {" % n)
        o.indent()
        copy_value(ty.elem_type, dst + "[i]", src + "[i]", o, dparent,
                   sparent)
        o.dedent()
        o("}")
    else:
        o("%s = %s;" % (dst, src))


def copy_fields(fields, dprefix, sprefix, o):
    for f in fields:
        if f.const or is_kind(f.type, "link"):
            continue
        if isinstance(f.type, idl.KeyedUnion):
            ku = f.type
            o("%s%s = %s%s;" % (dprefix, ku.keyvar_name, sprefix,
                                ku.keyvar_name))
            union_switch(ku, sprefix + ku.keyvar_name, o, lambda m:
                         copy_fields(m.struct.fields,
                                     "%s%s.%s." % (dprefix, f.name, m.name),
                                     "%s%s.%s." % (sprefix, f.name, m.name),
                                     o))
        else:
            copy_value(f.type, dprefix + f.name, sprefix + f.name, o,
                       dprefix, sprefix)


def src_copy(s, o):
    t = s.typename
    body = Out()
    body.level = 1
    copy_fields(s.fields, "dst->", "src->", body)
    o("void %s_copy(libxl_ctx *ctx, %s *dst, const %s *src)" % (t, t, t))
    o("{")
    if not any("ctx" in line for line in body.lines):
        o("    (void)ctx;")
    o.lines += body.lines
    o("}")
    o()


# ------------------------------------------------------------- JSON out
#
# Each type's JSON text is written by two functions generated from the
# same walk (gen_map / gen_value) with two back ends: the public
# libxl_<type>_gen_json, into the caller's yajl generator, and the
# static write_<type> behind libxl_<type>_to_json, through the direct
# writer of src/types/json_write.h (the same bytes, without yajl's
# per-token cost).


class YajlBackend(object):
    """Statements for libxl_<type>_gen_json: each call's status goes to
    s and the first failure jumps to out (LC_GEN)."""

    def call(self, c):
        return "LC_GEN(%s);" % c

    def map_open(self):
        return self.call("yajl_gen_map_open(hand)")

    def map_close(self):
        return self.call("yajl_gen_map_close(hand)")

    def array_open(self):
        return self.call("yajl_gen_array_open(hand)")

    def array_close(self):
        return self.call("yajl_gen_array_close(hand)")

    def key(self, name):
        return self.call('lc_yajl_gen_asciiz(hand, "%s")' % name)

    def string(self, c):
        return self.call("lc_yajl_gen_asciiz(hand, %s)" % c)

    def integer(self, c):
        return self.call("yajl_gen_integer(hand, (long long)%s)" % c)

    def uint64(self, c):
        return self.call("lc_yajl_gen_uint64(hand, %s)" % c)

    def boolean(self, c):
        return self.call("yajl_gen_bool(hand, %s)" % c)

    def builtin(self, kind, lv):
        return self.call("libxl_%s_gen_json(hand, &%s)" % (kind, lv))

    def struct(self, typename, lv):
        return self.call("%s_gen_json(hand, &%s)" % (typename, lv))


class WriterBackend(object):
    """Statements for write_<type> (the writer keeps its first failure
    itself, so nothing is checked here)."""

    def map_open(self):
        return "lc_jw_map_open(w);"

    def map_close(self):
        return "lc_jw_map_close(w);"

    def array_open(self):
        return "lc_jw_array_open(w);"

    def array_close(self):
        return "lc_jw_array_close(w);"

    def key(self, name):
        return 'LC_JW_KEY(w, "%s");' % name

    def string(self, c):
        return "lc_jw_string(w, %s);" % c

    def integer(self, c):
        return "lc_jw_int(w, (long long)%s);" % c

    def uint64(self, c):
        return "lc_jw_uint64(w, %s);" % c

    def boolean(self, c):
        return "lc_jw_bool(w, %s);" % c

    def builtin(self, kind, lv):
        return "lc_%s_write_json(w, &%s);" % (kind, lv)

    def struct(self, typename, lv):
        return "write_%s(w, &%s);" % (typename, lv)


YAJL = YajlBackend()
WRITER = WriterBackend()


def gen_value(ty, lv, o, parent, b):
    """Statements writing lv's JSON value through back end b."""
    if isinstance(ty, idl.Enumeration):
        o(b.string("%s_to_string(%s)" % (ty.typename, lv)))
    elif isinstance(ty, idl.Number):
        if ty.bits == 64 and not ty.json_signed:
            o(b.uint64(lv))
        else:
            o(b.integer(lv))
    elif is_kind(ty, "bool"):
        o(b.boolean(lv))
    elif is_kind(ty, "string"):
        o(b.string(lv))
    elif is_uniform(ty):
        o(b.builtin(ty.kind, lv))
    elif is_named_struct(ty):
        o(b.struct(ty.typename, lv))
    elif is_anon_struct(ty):
        gen_map(ty.fields, lv + ".", o, b)
    elif isinstance(ty, idl.Array):
        o(b.array_open())
        o("for (int i = 0; i < %s%s; i++) {" % (parent, ty.lenvar_name))
        o.indent()
        gen_value(ty.elem_type, lv + "[i]", o, parent, b)
        o.dedent()
        o("}")
        o(b.array_close())
    else:
        raise SystemExit("gentypes: cannot print %s" % ty)


def not_default(f, lv, prefix):
    """C condition under which libxl prints member f (idl.json_default),
    or None when it always does."""
    kind, val = idl.json_default(f)
    if kind == "always":
        return None
    if kind == "array":
        return "%s && %s%s" % (lv, prefix, f.type.lenvar_name)
    if kind == "init_val":
        return "%s != %s" % (lv, typed_init(f.type, val))
    if kind == "builtin":
        return "!lc_%s_is_default(&%s)" % (val, lv)
    return lv


def gen_map(fields, prefix, o, b):
    o(b.map_open())
    for f in fields:
        if not f.json:
            continue
        lv = prefix + f.name
        if isinstance(f.type, idl.KeyedUnion):
            ku = f.type
            o("switch (%s%s) {" % (prefix, ku.keyvar_name))
            for m in ku.members:
                o("case %s:" % m.value.cname)
                o.indent()
                o(b.key("%s.%s" % (ku.keyvar_name, m.name)))
                if m.has_data:
                    gen_map(m.struct.fields, "%s.%s." % (lv, m.name), o, b)
                else:
                    o(b.map_open())
                    o(b.map_close())
                o("break;")
                o.dedent()
            o("default:")
            o("    break;")
            o("}")
            continue
        cond = not_default(f, lv, prefix)
        if cond is not None:
            o("if (%s) {" % cond)
            o.indent()
        o(b.key(f.name))
        gen_value(f.type, lv, o, prefix, b)
        if cond is not None:
            o.dedent()
            o("}")
    o(b.map_close())


def src_to_json(t, o, byvalue):
    """libxl_<t>_to_json: the writer's text, or NULL (logged)."""
    o("char *%s_to_json(libxl_ctx *ctx, %s %sp)"
      % (t, t, "" if byvalue else "*"))
    o("{")
    o("    lc_jw w;")
    o()
    o("    lc_jw_init(&w);")
    if byvalue:
        o("    lc_jw_string(&w, %s_to_string(p));" % t)
    else:
        o("    write_%s(&w, p);" % t)
    o('    return lc_jw_finish(&w, ctx, "%s");' % t)
    o("}")
    o()


def src_gen_json(s, o):
    t = s.typename
    o("yajl_gen_status %s_gen_json(yajl_gen hand, %s *p)" % (t, t))
    o("{")
    o.indent()
    o("yajl_gen_status s;")
    o()
    gen_map(s.fields, "p->", o, YAJL)
    o.dedent()
    o("out:")
    o("    return s;")
    o("}")
    o()
    o("static void write_%s(lc_jw *w, const %s *p)" % (t, t))
    o("{")
    o.indent()
    gen_map(s.fields, "p->", o, WRITER)
    o.dedent()
    o("}")
    o()
    src_to_json(t, o, False)


# ------------------------------------------------------------- JSON in

def parse_value(ty, v, lv, o, parent, tables, scope):
    """Statements parsing json_object *v (never NULL) into lv; `return -1`
    when v does not fit. scope names the tables of anonymous structs."""
    if isinstance(ty, idl.Enumeration):
        o("if (lc_json_get_enum(%s, %s_string_table, &n.i)) return -1;"
          % (v, ty.typename))
        o("%s = (%s)n.i;" % (lv, ty.typename))
    elif isinstance(ty, idl.Number):
        # (libxl_ev_user is printed signed but, as in libxl, read unsigned)
        if ty.signed:
            o("if (lc_json_get_sint(%s, INT%d_MIN, INT%d_MAX, &n.s)) "
              "return -1;" % (v, ty.bits, ty.bits))
        else:
            o("if (lc_json_get_uint(%s, UINT%d_MAX, &n.u)) return -1;"
              % (v, ty.bits))
        o("%s = (%s)n.%s;" % (lv, ty.typename, "s" if ty.signed else "u"))
    elif is_kind(ty, "bool"):
        o("if (lc_json_get_bool(%s, &%s)) return -1;" % (v, lv))
    elif is_kind(ty, "string"):
        o("if (lc_json_get_string(%s, &%s)) return -1;" % (v, lv))
    elif is_uniform(ty):
        o("if (lc_%s_parse_json(%s, &%s)) return -1;" % (ty.kind, v, lv))
    elif is_named_struct(ty):
        o("if (parse_%s(%s, &%s)) return -1;" % (ty.typename, v, lv))
    elif is_anon_struct(ty):
        field = lv.split(".")[-1].split(">")[-1]
        o("if (!json_object_is_type(%s, json_type_object)) return -1;" % v)
        parse_fields(ty.fields, v, field + "_it", "%s_%s" % (scope, field),
                     lv + ".", o, tables)
    elif isinstance(ty, idl.Array):
        # an array the value already holds is freed first, as strings are:
        # members are read in the text's order, so in a value parsed into
        # twice this one may come before a member that fails
        o("if (%s) {" % lv)
        o.indent()
        dispose_value(ty, lv, o, parent)
        o("%s = NULL;" % lv)
        o("%s%s = 0;" % (parent, ty.lenvar_name))
        o.dedent()
        o("}")
        o("if (lc_json_array_start(%s, (void **)&%s, sizeof(*%s), &%s%s))"
          % (v, lv, lv, parent, ty.lenvar_name))
        o("    return -1;")
        o("for (int i = 0; i < %s%s; i++) {" % (parent, ty.lenvar_name))
        o.indent()
        o("json_object *e = json_object_array_get_idx(%s, (size_t)i);" % v)
        o()
        o("if (!e) return -1; /* null */")
        init_value(ty.elem_type, ty.elem_type.init_val, lv + "[i]", o)
        parse_value(ty.elem_type, "e", lv + "[i]", o, parent, tables, scope)
        o.dedent()
        o("}")
    else:
        raise SystemExit("gentypes: cannot parse %s" % ty)


def reads_container(ty):
    """Whether parsing ty may read into a JSON object or array (which then
    has to be expanded: see lc_json_open_document)."""
    return not (isinstance(ty, (idl.Enumeration, idl.Number)) or
                is_kind(ty, "bool") or is_kind(ty, "string"))


def parse_fields(fields, obj, it, scope, prefix, o, tables):
    """Walks the members of object obj once (iterator it) and parses those
    that are fields (the sorted table of their names, <scope>_keys, goes
    to tables).
    A null member is absent, but for the builtins idl.NULL_REJECTED_BUILTINS,
    where it is an error. Other members ("type.X" of a keyed union, or
    unknown ones) are ignored here."""
    fields = sorted((f for f in fields
                     if f.json and not isinstance(f.type, idl.KeyedUnion)),
                    key=lambda f: f.name.encode())
    if not fields:
        return
    keys = "%s_keys" % scope
    tables("static const char *const %s[] = {" % keys)
    for f in fields:
        tables('    "%s",' % f.name)
    tables("};")
    tables()
    val = "%s.val" % it
    o("{")
    o.indent()
    o("struct json_object_iter %s;" % it)
    o()
    o("json_object_object_foreachC(%s, %s) {" % (obj, it))
    o.indent()
    o("switch (lc_json_key_index(%s.key, %s, %d)) {" % (it, keys, len(fields)))
    for i, f in enumerate(fields):
        o("case %d: /* %s */" % (i, f.name))
        o.indent()
        if isinstance(f.type, idl.Builtin) and f.type.null_rejected:
            o("if (!%s) return -1; /* null */" % val)
        else:
            o("if (!%s) break; /* null: absent */" % val)
        if reads_container(f.type):
            o("if (lc_json_expand(&%s)) return -1;" % val)
        parse_value(f.type, val, prefix + f.name, o, prefix, tables, scope)
        o("break;")
        o.dedent()
    o("default: /* not a field */")
    o("    break;")
    o("}")
    o.dedent()
    o("}")
    o.dedent()
    o("}")


def parse_unions(s, o, tables):
    for uf in s.keyed_unions():
        ku = uf.type
        o("switch (lc_json_union_member(o, \"%s.\", &member, &v)) {"
          % ku.keyvar_name)
        o("case 0:")
        o("    break;")
        o("case 1:")
        o.indent()
        o("if (!json_object_is_type(v, json_type_object) || lc_json_expand(&v))")
        o("    return -1;")
        first = True
        for m in ku.members:
            o('%sif (!strcmp(member, "%s")) {'
              % ("" if first else "} else ", m.name))
            first = False
            o.indent()
            o("%s_init_%s(p, %s);" % (s.typename, ku.keyvar_name,
                                      m.value.cname))
            if m.has_data:
                parse_fields(m.struct.fields, "v", m.name + "_it",
                             "%s_%s_%s" % (s.typename, uf.name, m.name),
                             "p->%s.%s." % (uf.name, m.name), o, tables)
            o.dedent()
        o("} else {")
        o("    return -1;")
        o("}")
        o("break;")
        o.dedent()
        o("default:")
        o("    return -1;")
        o("}")


def src_parse_json(s, o):
    t = s.typename
    body = Out()
    body.level = 1
    tables = Out()
    parse_fields(s.fields, "o", "it", t, "p->", body, tables)
    parse_unions(s, body, tables)
    o.lines += tables.lines
    o("static int parse_%s(json_object *o, %s *p)" % (t, t))
    o("{")
    o.indent()
    if s.keyed_unions():
        o("json_object *v;")
        o("const char *member;")
    if any("n." in line for line in body.lines):
        o("lc_json_number n;")
    if s.keyed_unions() or any("n." in line for line in body.lines):
        o()
    o("if (!json_object_is_type(o, json_type_object))")
    o("    return -1;")
    o.lines += body.lines
    o("return 0;")
    o.dedent()
    o("}")
    o()
    o("int %s_from_json(libxl_ctx *ctx, %s *p, const char *s)" % (t, t))
    o("{")
    o("    json_object *o;")
    o("    int rc;")
    o()
    o("    (void)ctx;")
    o("    rc = lc_json_open_document(s, &o);")
    o("    if (rc)")
    o("        return rc;")
    o("    if (!o || parse_%s(o, p))" % t)
    o("        rc = ERROR_FAIL;")
    o("    rc = lc_json_close_document(o, rc);")
    o("    if (rc) {")
    o("        %s_dispose_all(p);" % t)
    o("        %s_init(p);" % t)
    o("    }")
    o("    return rc;")
    o("}")
    o()


def src_dispose_all(s, o):
    """from_json of a type without a public _dispose still needs one to
    undo a partial parse."""
    t = s.typename
    o("static void %s_dispose_all(%s *p)" % (t, t))
    o("{")
    if s.has_dispose:
        o("    %s_dispose(p);" % t)
    else:
        o("    (void)p; /* nothing it holds needs freeing */")
    o("}")
    o()


# ------------------------------------------------------------- enums

def src_enum(e, o):
    t = e.typename
    o("libxl_enum_string_table %s_string_table[] = {" % t)
    for v in e.values:
        o('    { "%s", %s },' % (v.string, v.cname))
    o("    { NULL, -1 },")
    o("};")
    o()
    o("const char *%s_to_string(%s p)" % (t, t))
    o("{")
    o("    switch (p) {")
    for v in e.values:
        o('    case %s: return "%s";' % (v.cname, v.string))
    o("    default: return NULL;")
    o("    }")
    o("}")
    o()
    o("int %s_from_string(const char *s, %s *e)" % (t, t))
    o("{")
    o("    int v;")
    o()
    o("    if (lc_enum_from_string(%s_string_table, s, &v))" % t)
    o("        return ERROR_FAIL;")
    o("    *e = (%s)v;" % t)
    o("    return 0;")
    o("}")
    o()
    o("yajl_gen_status %s_gen_json(yajl_gen hand, %s *p)" % (t, t))
    o("{")
    o("    return lc_yajl_gen_asciiz(hand, %s_to_string(*p));" % t)
    o("}")
    o()
    src_to_json(t, o, True)
    o("int %s_from_json(libxl_ctx *ctx, %s *p, const char *s)" % (t, t))
    o("{")
    o("    json_object *o;")
    o("    int v;")
    o("    int rc;")
    o()
    o("    (void)ctx;")
    o("    rc = lc_json_parse_document(s, &o);")
    o("    if (rc)")
    o("        return rc;")
    o("    rc = ERROR_FAIL;")
    o("    if (o && !lc_json_get_enum(o, %s_string_table, &v)) {" % t)
    o("        *p = (%s)v;" % t)
    o("        rc = 0;")
    o("    }")
    o("    json_object_put(o);")
    o("    return rc;")
    o("}")
    o()


def gen_source(types, path):
    o = Out()
    for line in [
            "/*",
            " * _libxl_types.c: functions of the types in libxl_types.idl,",
            " * generated by gentypes.py. Do not edit.",
            " */",
            "#include <assert.h>",
            "#include <stdlib.h>",
            "#include <string.h>",
            "",
            '#include "types/types_internal.h"',
            '#include "types/builtins.h"',
            ""]:
        o(line)
    # write_<struct> and parse_<struct> call each other in any order
    for t in types:
        if isinstance(t, idl.Struct):
            o("static void write_%s(lc_jw *w, const %s *p);"
              % (t.typename, t.typename))
            o("static int parse_%s(json_object *o, %s *p);"
              % (t.typename, t.typename))
    o()
    for t in types:
        if isinstance(t, idl.Enumeration):
            src_enum(t, o)
        else:
            src_init(t, o)
            if t.has_dispose:
                src_dispose(t, o)
            src_dispose_all(t, o)
            src_copy(t, o)
            src_gen_json(t, o)
            src_parse_json(t, o)
    write(path, o.lines)


def write(path, lines):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines).rstrip("\n") + "\n")
    os.replace(tmp, path)


def main(argv):
    if len(argv) != 5:
        sys.stderr.write("usage: gentypes.py IDL HEADER JSON-HEADER SOURCE\n")
        return 2
    idlfile, header, json_header, source = argv[1:]
    types, _ = idl.parse(idlfile)
    gen_header(types, header)
    gen_json_header(types, json_header)
    gen_source(types, source)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
