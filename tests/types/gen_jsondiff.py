#!/usr/bin/env python3
# gen_jsondiff.py: from libxl_types.idl (through idl.py's object model),
# write the type-specific half of the JSON differential test and fuzzers:
#
#   gen_jsondiff.py IDL OUT.c CASES
#
# OUT.c (compiled with tests/types/jsondiff_main.c, once against Debian's
# headers and once against lightcore's) gets, for every enumeration and
# structure: a filler that sets every member from a seeded PRNG, a
# field-by-field comparison, and a row of the type table (to_json,
# from_json, copy, dispose). CASES gets malformed and odd documents for
# every type, each with a category that tests/types/jsondiff-check uses to
# say which outcomes are allowed. Nothing here knows a type by name except
# the hand-written builtins, which are matched by their C type name.

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", ".."))
import idl  # noqa: E402

# ------------------------------------------------------------ model helpers

BUILTIN_KINDS = {
    "libxl_bitmap": "bitmap",
    "libxl_string_list": "string_list",
    "libxl_key_value_list": "kvl",
    "libxl_mac": "mac",
    "libxl_hwcap": "hwcap",
    "libxl_ms_vm_genid": "genid",
    "libxl_cpuid_policy_list": "cpuid",
    "libxl_defbool": "defbool",
    "libxl_uuid": "uuid",
}


def kind_of(ty):
    """What a value of ty is, for filling, comparing and breaking it."""
    if isinstance(ty, idl.KeyedUnion):
        return "union"
    if isinstance(ty, idl.Array):
        return "array"
    if isinstance(ty, idl.Struct):
        return "struct" if ty.typename else "anon"
    if isinstance(ty, idl.Enumeration):
        return "enum"
    if isinstance(ty, idl.Number):
        return "number"
    if isinstance(ty, idl.Builtin):
        if ty.typename in BUILTIN_KINDS:
            return BUILTIN_KINDS[ty.typename]
        if "libxl_" + str(ty.kind) in BUILTIN_KINDS:
            return BUILTIN_KINDS["libxl_" + ty.kind]
        if ty.kind in ("bool", "string", "defbool", "uuid"):
            return ty.kind
        return "skip"      # opaque pointers, list links: not in JSON
    raise SystemExit("gen_jsondiff: unknown type %r" % ty)


def json_fields(fields):
    return [f for f in fields if f.json and kind_of(f.type) != "skip"]


def has_fn(ty, name):
    """Whether libxl exports <type>_NAME (dispose, copy...): idl.py's
    has_NAME option (Struct.has_dispose), true when absent."""
    return getattr(ty, "has_" + name, True) is not False


def number_range(ty):
    if ty.signed:
        return -(1 << (ty.bits - 1)), (1 << (ty.bits - 1)) - 1
    return 0, (1 << ty.bits) - 1


def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ------------------------------------------------------------ C: fill

class Emitter(object):
    def __init__(self):
        self.lines = []
        self.tmp = 0

    def __call__(self, pad, text):
        self.lines.append(pad + text)

    def var(self, base):
        self.tmp += 1
        return "%s%d" % (base, self.tmp)


def fill_value(em, ty, lv, pad, owner, lenlv=None):
    """Set lv (already initialised) to a random valid value of ty."""
    k = kind_of(ty)
    if k == "struct":
        em(pad, "fill_%s(&%s, r, -1);" % (ty.typename, lv))
    elif k == "anon":
        fill_fields(em, ty.fields, lv + ".", pad, owner, None)
    elif k == "enum":
        vals = ", ".join(v.cname for v in ty.values)
        t = em.var("ev")
        em(pad, "{")
        em(pad, "    static const int %s[] = { %s };" % (t, vals))
        em(pad, "    %s = (%s)%s[jd_below(r, %d)];" % (lv, ty.typename, t,
                                                    len(ty.values)))
        em(pad, "}")
    elif k == "number":
        em(pad, "%s = (%s)jd_number(r, %d, %d);" % (
            lv, ty.typename, 1 if ty.signed else 0, ty.bits))
    elif k == "bool":
        em(pad, "%s = jd_below(r, 2);" % lv)
    elif k == "string":
        em(pad, "%s = jd_string(r);" % lv)
    elif k in ("defbool", "uuid", "bitmap", "string_list", "kvl", "mac",
               "hwcap", "genid", "cpuid"):
        em(pad, "jd_fill_%s(r, &%s);" % (k, lv))
    elif k == "array":
        et = ty.elem_type
        n = em.var("n")
        i = em.var("i")
        lenvar = lenlv
        em(pad, "{")
        em(pad, "    int %s = jd_below(r, JD_MAX_ARRAY + 1);" % n)
        em(pad, "    %s = jd_calloc(%s, sizeof(*%s));" % (lv, n, lv))
        em(pad, "    %s = %s;" % (lenvar, n))
        em(pad, "    for (int %s = 0; %s < %s; %s++) {" % (i, i, n, i))
        elv = "%s[%s]" % (lv, i)
        ek = kind_of(et)
        if ek == "struct":
            em(pad, "        %s_init(&%s);" % (et.typename, elv))
        fill_value(em, et, elv, pad + "        ", owner)
        em(pad, "    }")
        em(pad, "}")
    elif k == "skip":
        pass
    else:
        raise SystemExit("gen_jsondiff: cannot fill %s" % k)


def fill_fields(em, fields, prefix, pad, owner, sel):
    for f in fields:
        if not f.json and not isinstance(f.type, idl.KeyedUnion):
            continue
        k = kind_of(f.type)
        if k == "skip":
            continue
        if k == "union":
            ku = f.type
            keys = ", ".join(m.value.cname for m in ku.members)
            t = em.var("keys")
            kv = em.var("key")
            em(pad, "{")
            em(pad, "    static const int %s[] = { %s };" % (t, keys))
            pick = ("%s >= 0 ? %s %% %d : (int)jd_below(r, %d)" % (
                sel, sel, len(ku.members), len(ku.members))) if sel else \
                "jd_below(r, %d)" % len(ku.members)
            em(pad, "    int %s = %s[%s];" % (kv, t, pick))
            if prefix == "p->" and owner is not None:
                em(pad, "    %s_init_%s(p, (%s)%s);" % (
                    owner.typename, ku.keyvar_name, ku.keyvar_type.typename, kv))
            else:
                em(pad, "    %s%s = (%s)%s;" % (prefix, ku.keyvar_name,
                                               ku.keyvar_type.typename, kv))
            em(pad, "    switch (%s) {" % kv)
            for m in ku.members:
                if not m.has_data:
                    continue
                em(pad, "    case %s:" % m.value.cname)
                fill_fields(em, m.struct.fields,
                            "%s%s.%s." % (prefix, f.name, m.name),
                            pad + "        ", None, None)
                em(pad, "        break;")
            em(pad, "    default:")
            em(pad, "        break;")
            em(pad, "    }")
            em(pad, "}")
            continue
        fill_value(em, f.type, prefix + f.name, pad, owner,
                   prefix + getattr(f.type, "lenvar_name", ""))


# ------------------------------------------------------------ C: compare

def cmp_value(em, ty, a, b, path, pad, la=None, lb=None):
    k = kind_of(ty)
    if k == "struct":
        em(pad, "d += cmp_%s(&%s, &%s, %s);" % (ty.typename, a, b, cstr(path)))
    elif k == "anon":
        cmp_fields(em, ty.fields, a + ".", b + ".", path + ".", pad)
    elif k in ("enum", "number", "bool"):
        em(pad, "if (%s != %s) d += jd_diff(where, %s);" % (a, b, cstr(path)))
    elif k in ("string", "defbool", "uuid", "bitmap", "string_list", "kvl",
               "mac", "hwcap", "genid", "cpuid"):
        em(pad, "if (jd_cmp_%s(&%s, &%s)) d += jd_diff(where, %s);" % (
            k, a, b, cstr(path)))
    elif k == "array":
        i = em.var("i")
        em(pad, "if (%s != %s) {" % (la, lb))
        em(pad, "    d += jd_diff(where, %s);" % cstr(path + " (length)"))
        em(pad, "} else {")
        em(pad, "    for (int %s = 0; %s < %s; %s++) {" % (i, i, la, i))
        cmp_value(em, ty.elem_type, "%s[%s]" % (a, i), "%s[%s]" % (b, i),
                  path + "[]", pad + "        ")
        em(pad, "    }")
        em(pad, "}")
    elif k == "skip":
        pass
    else:
        raise SystemExit("gen_jsondiff: cannot compare %s" % k)


def cmp_fields(em, fields, a, b, path, pad):
    for f in fields:
        k = kind_of(f.type)
        if k == "skip" or (not f.json and k != "union"):
            continue
        if k == "union":
            ku = f.type
            em(pad, "if (%s%s != %s%s) {" % (a, ku.keyvar_name, b, ku.keyvar_name))
            em(pad, "    d += jd_diff(where, %s);" % cstr(path + ku.keyvar_name))
            em(pad, "} else {")
            em(pad, "    switch (%s%s) {" % (a, ku.keyvar_name))
            for m in ku.members:
                if not m.has_data:
                    continue
                em(pad, "    case %s:" % m.value.cname)
                sub = "%s.%s." % (f.name, m.name)
                cmp_fields(em, m.struct.fields, a + sub, b + sub, path + sub,
                           pad + "        ")
                em(pad, "        break;")
            em(pad, "    default:")
            em(pad, "        break;")
            em(pad, "    }")
            em(pad, "}")
            continue
        ln = getattr(f.type, "lenvar_name", "")
        cmp_value(em, f.type, a + f.name, b + f.name, path + f.name, pad,
                  a + ln, b + ln)


# ------------------------------------------------------------ C: per type

def emit_struct(em, s):
    t = s.typename
    first_union = any(isinstance(f.type, idl.KeyedUnion) for f in s.fields)
    em("", "static void fill_%s(%s *p, jd_rng *r, int sel)" % (t, t))
    em("", "{")
    em("", "    (void)p; (void)r; (void)sel;")
    fill_fields(em, s.fields, "p->", "    ", s, "sel" if first_union else None)
    em("", "}")
    em("", "")
    em("", "static int cmp_%s(const %s *a, const %s *b, const char *where)"
       % (t, t, t))
    em("", "{")
    em("", "    int d = 0;")
    em("", "")
    em("", "    (void)a; (void)b; (void)where;")
    cmp_fields(em, s.fields, "a->", "b->", "", "    ")
    em("", "    return d;")
    em("", "}")
    em("", "")


def union_keys(s):
    for f in s.fields:
        if isinstance(f.type, idl.KeyedUnion):
            return len(f.type.members)
    return 0


def emit_struct_glue(em, s):
    """Type-erased wrappers for the table."""
    t = s.typename
    em("", "static void *new_%s(void) { %s *p = jd_calloc(1, sizeof(*p)); %s_init(p); return p; }"
       % (t, t, t))
    em("", "static void fillv_%s(void *p, jd_rng *r, int sel) { fill_%s(p, r, sel); }" % (t, t))
    em("", "static int cmpv_%s(const void *a, const void *b) { return cmp_%s(a, b, \"\"); }" % (t, t))
    em("", "static char *to_json_%s(void *p) { return %s_to_json(JD_CTX, p); }" % (t, t))
    em("", "static char *gen_text_%s(void *p) { return jd_yajl_text((yajl_gen_status (*)(yajl_gen, void *))%s_gen_json, p); }" % (t, t))
    em("", "static int from_json_%s(void *p, const char *s) { return %s_from_json(JD_CTX, p, s); }" % (t, t))
    if has_fn(s, "copy"):
        em("", "static void copy_%s(void *d, const void *s) { %s_copy(JD_CTX, d, s); }" % (t, t))
    if has_fn(s, "dispose"):
        em("", "static void dispose_%s(void *p) { %s_dispose(p); free(p); }" % (t, t))
    else:
        em("", "static void dispose_%s(void *p) { free(p); }" % t)
    em("", "")


def emit_enum_glue(em, e):
    t = e.typename
    vals = ", ".join(v.cname for v in e.values)
    em("", "static const int vals_%s[] = { %s };" % (t, vals))
    em("", "static void *new_%s(void) { %s *p = jd_calloc(1, sizeof(*p)); return p; }" % (t, t))
    em("", "static void fillv_%s(void *p, jd_rng *r, int sel)" % t)
    em("", "{")
    em("", "    /* sel walks every value, then one that is none of them */")
    em("", "    if (sel < 0) sel = (int)jd_below(r, %d);" % len(e.values))
    em("", "    *(%s *)p = sel < %d ? (%s)vals_%s[sel] : (%s)%d;" % (
        t, len(e.values), t, t, t, max(v.value for v in e.values) + 1000))
    em("", "}")
    em("", "static int cmpv_%s(const void *a, const void *b) { return *(const %s *)a != *(const %s *)b; }"
       % (t, t, t))
    em("", "static char *to_json_%s(void *p) { return %s_to_json(JD_CTX, *(%s *)p); }" % (t, t, t))
    em("", "static char *gen_text_%s(void *p) { return jd_yajl_text((yajl_gen_status (*)(yajl_gen, void *))%s_gen_json, p); }" % (t, t))
    em("", "static int from_json_%s(void *p, const char *s) { return %s_from_json(JD_CTX, p, s); }" % (t, t))
    em("", "static void dispose_%s(void *p) { free(p); }" % t)
    em("", "")


def gen_c(types, path):
    em = Emitter()
    em("", "/* Generated by tests/types/gen_jsondiff.py from libxl_types.idl. Do not edit. */")
    em("", '#include "jsondiff.h"')
    em("", "")
    structs = [t for t in types if isinstance(t, idl.Struct)]
    for s in structs:
        em("", "static void fill_%s(%s *p, jd_rng *r, int sel);" % (s.typename, s.typename))
        em("", "static int cmp_%s(const %s *a, const %s *b, const char *where);"
           % (s.typename, s.typename, s.typename))
    em("", "")
    for s in structs:
        emit_struct(em, s)
        emit_struct_glue(em, s)
    for e in types:
        if isinstance(e, idl.Enumeration):
            emit_enum_glue(em, e)
    em("", "const jd_type jd_types[] = {")
    for t in types:
        n = t.typename
        if isinstance(t, idl.Enumeration):
            em("", "    { \"%s\", 1, %d, new_%s, fillv_%s, cmpv_%s, to_json_%s, gen_text_%s, from_json_%s, NULL, dispose_%s },"
               % (n, len(t.values) + 1, n, n, n, n, n, n, n))
        else:
            copy = "copy_%s" % n if has_fn(t, "copy") else "NULL"
            em("", "    { \"%s\", 0, %d, new_%s, fillv_%s, cmpv_%s, to_json_%s, gen_text_%s, from_json_%s, %s, dispose_%s },"
               % (n, union_keys(t), n, n, n, n, n, n, copy, n))
    em("", "    { NULL, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL },")
    em("", "};")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(em.lines) + "\n")
    os.replace(tmp, path)


# ------------------------------------------------------------ cases

class Raw(object):
    """JSON text inserted as is (numbers json.dumps would not write)."""

    def __init__(self, text):
        self.text = text


def dump(v):
    if isinstance(v, Raw):
        return v.text
    if isinstance(v, dict):
        return "{" + ", ".join("%s: %s" % (json.dumps(k), dump(x))
                               for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(dump(x) for x in v) + "]"
    return json.dumps(v)


# Values of every JSON kind; each kind's own value is left out for a field
# of that kind.
GENERIC = [("string", "wrong"), ("int", 7), ("negative", -7),
           ("float", Raw("1.5")), ("bool", True), ("null", None),
           ("array", []), ("object", {})]
NATIVE = {
    "number": ("int", "negative"), "enum": ("string",), "string": ("string",),
    "bool": ("bool",), "defbool": ("string",), "uuid": ("string",),
    "mac": ("string",), "struct": ("object",), "anon": ("object",),
    "array": ("array",), "bitmap": ("array",), "string_list": ("array",),
    "kvl": ("object",), "hwcap": ("array",), "genid": ("array",),
    "cpuid": ("array", "object"),
}


def specific(ty, k):
    """(category, value) cases special to a kind."""
    out = []
    if k == "number":
        lo, hi = number_range(ty)
        # a number printed with the other signedness has categories of its own
        n = "number" if ty.json_signed == ty.signed else "number-printed-signed"
        # 64-bit extremes are where yajl's long long ends: own categories
        u64 = ":max-u64" if ty.bits == 64 and not ty.signed else ":max"
        over = ":above-max-64" if ty.bits == 64 else ":above-max"
        out += [(n + ":min", lo), (n + u64, hi),
                (n + ":below-min", lo - 1), (n + over, hi + 1),
                (n + ":2^64", 1 << 64), (n + ":huge", Raw("9" * 40)),
                (n + ":exponent", Raw("1e3")), (n + ":fraction", Raw("1.0")),
                (n + ":minus-zero", Raw("-0")), (n + ":as-string", "12")]
        if ty.signed or ty.json_signed:
            out.append((n + ":-1", -1))
    elif k == "enum":
        v = ty.values[-1]
        out += [("enum:unknown", "no_such_value"), ("enum:empty", ""),
                ("enum:uppercase", v.string.upper()),
                ("enum:trailing-space", v.string + " "),
                ("enum:number-string", str(v.value))]
    elif k == "string":
        out += [("string:nul", Raw('"a\\u0000b"')),
                ("string:lone-surrogate", Raw('"\\ud800"')),
                ("string:surrogate-pair", Raw('"\\ud83d\\ude00"')),
                ("string:invalid-utf8", Raw('"\xff\xfe"')),
                ("string:overlong-utf8", Raw('"\xc0\xaf"')),
                ("string:raw-control", Raw('"a\tb"')),
                ("string:bad-escape", Raw('"\\x41"')),
                ("string:long", "x" * 70000)]
    elif k == "defbool":
        out += [("defbool:lowercase", "true"), ("defbool:prefix", "Truex"),
                ("defbool:prefix", "<default>x"), ("defbool:empty", ""),
                ("defbool:valid", "False")]
    elif k == "uuid":
        out += [("uuid:garbage", "not-a-uuid"), ("uuid:short", "01234567-89ab"),
                ("uuid:uppercase", "0123ABCD-89AB-CDEF-0123-456789ABCDEF"),
                ("uuid:braces", "{01234567-89ab-cdef-0123-456789abcdef}"),
                ("uuid:trailing", "01234567-89ab-cdef-0123-456789abcdef0")]
    elif k == "mac":
        out += [("mac:short", "00:11:22:33:44"), ("mac:long", "00:11:22:33:44:55:66"),
                ("mac:hex", "zz:11:22:33:44:55"), ("mac:single-digits", "0:1:2:3:4:5"),
                ("mac:dashes", "00-11-22-33-44-55"), ("mac:valid", "AA:bb:cc:00:11:22")]
    elif k == "bitmap":
        out += [("bitmap:negative", [-1]), ("bitmap:negative-last", [3, -31]),
                ("bitmap:unsorted", [9, 1]),
                ("bitmap:huge", [2147483647]), ("bitmap:beyond-int", [1 << 40]),
                ("bitmap:string", ["x"]), ("bitmap:valid", [0, 3, 64]),
                ("bitmap:duplicate", [2, 2])]
    elif k == "string_list":
        out += [("string_list:number", [1]), ("string_list:null", [None]),
                ("string_list:valid", ["a", ""])]
    elif k == "kvl":
        out += [("kvl:number", {"a": 1}), ("kvl:null", {"a": None}),
                ("kvl:object", {"a": {}}), ("kvl:valid", {"a": "b", "": ""})]
    elif k == "hwcap":
        out += [("hwcap:short", [1, 2, 3]), ("hwcap:long", list(range(9))),
                ("hwcap:negative", [-1] * 8), ("hwcap:above-u32", [1 << 32] * 8),
                ("hwcap:string", ["x"] * 8), ("hwcap:valid", list(range(8)))]
    elif k == "genid":
        out += [("genid:short", [1] * 15), ("genid:long", [1] * 17),
                ("genid:above-byte", [256] * 16), ("genid:negative", [-1] * 16),
                ("genid:valid", list(range(16)))]
    elif k == "cpuid":
        out += [("cpuid:garbage", [{"leaf": "x"}]), ("cpuid:empty-object", {})]
    elif k in ("array",):
        et = ty.elem_type
        ek = kind_of(et)
        for cat, v in GENERIC:
            if cat not in NATIVE.get(ek, ()):
                out.append(("array:element-" + cat, [v]))
        out.append(("array:valid-empty", []))
    return out


def wrap(path, value):
    """The document holding value at path (a list of object keys)."""
    for key in reversed(path):
        value = {key: value}
    return value


def field_cases(fields, path, out):
    for f in fields:
        k = kind_of(f.type)
        if k == "skip" or (not f.json and k != "union"):
            continue
        if k == "union":
            ku = f.type
            pre = ku.keyvar_name + "."
            out.append(("union:unknown-member", wrap(path, {pre + "no_such_member": {}})))
            out.append(("union:bare-key", wrap(path, {ku.keyvar_name: ku.members[0].name})))
            if len(ku.members) > 1:
                out.append(("union:two-members", wrap(path, {
                    pre + ku.members[0].name: {}, pre + ku.members[1].name: {}})))
            for m in ku.members:
                mp = path + [pre + m.name]
                out.append(("union:member-empty", wrap(mp, {})))
                out.append(("union:member-null", wrap(mp, None)))
                out.append(("union:member-not-object", wrap(mp, 1)))
                out.append(("union:member-array", wrap(mp, [])))
                out.append(("union:member-uppercase",
                            wrap(path + [pre + m.name.upper()], {})))
                if m.has_data:
                    field_cases(m.struct.fields, mp, out)
            continue
        fp = path + [f.name]
        for cat, v in GENERIC:
            if cat not in NATIVE[k]:
                out.append(("wrong-type:%s<-%s" % (k, cat), wrap(fp, v)))
        for cat, v in specific(f.type, k):
            out.append((cat, wrap(fp, v)))
        if k == "anon":
            field_cases(f.type.fields, fp, out)
        elif k == "array" and kind_of(f.type.elem_type) == "anon":
            field_cases(f.type.elem_type.fields, fp, out)  # as one element
        if k in ("struct", "anon"):
            out.append(("struct:unknown-member", wrap(fp, {"no_such_field": [1, {"a": None}]})))


def top_cases(t):
    out = []
    if isinstance(t, idl.Enumeration):
        v = t.values[0]
        out += [("top:enum-valid", v.string), ("top:enum-unknown", "no_such_value"),
                ("top:enum-uppercase", v.string.upper()), ("top:enum-number", v.value),
                ("top:enum-null", None), ("top:enum-array", [v.string]),
                ("top:enum-object", {}), ("top:enum-empty", "")]
        return out
    out += [("top:empty-object", {}), ("top:array", []), ("top:number", 1),
            ("top:string", "x"), ("top:null", None), ("top:true", True),
            ("top:unknown-member", {"no_such_field": 1}),
            ("top:unknown-member-deep", {"no_such_field": Raw("[" * 40 + "]" * 40)})]
    jf = json_fields(t.fields)
    plain = [f for f in jf if kind_of(f.type) in ("number", "string", "bool")]
    if plain:
        f = plain[0]
        v = {"number": (5, 6), "string": ("a", "b"), "bool": (True, False)}[kind_of(f.type)]
        out.append(("top:duplicate-key", Raw("{%s: %s, %s: %s}" % (
            json.dumps(f.name), json.dumps(v[0]), json.dumps(f.name), json.dumps(v[1])))))
    return out


SYNTAX = [("syntax:empty", ""), ("syntax:blank", " \n"), ("syntax:open", "{"),
          ("syntax:trailing-garbage", "{} x"), ("syntax:two-documents", "{} {}"),
          ("syntax:trailing-comma", '{"a": 1,}'), ("syntax:single-quotes", "{'a': 1}"),
          ("syntax:missing-colon", '{"a" 1}'), ("syntax:bom", "\ufeff{}"),
          ("syntax:comment", "/* c */ {}"), ("syntax:nan", '{"a": NaN}'),
          ("syntax:leading-zero", '{"a": 01}'), ("syntax:unterminated-string", '{"a": "b'),
          ("syntax:bare-word", "{a: 1}"), ("syntax:deep-open", "[" * 1000)]


def gen_cases(types, path):
    with open(path + ".tmp", "wb") as f:
        for t in types:
            cases = top_cases(t)
            if isinstance(t, idl.Struct):
                field_cases(t.fields, [], cases)
            cases = [(c, dump(d)) for c, d in cases] + SYNTAX
            for cat, text in cases:
                data = text.encode("utf-8", "surrogateescape") \
                    if "\xff" not in text and "\xc0" not in text \
                    else text.encode("latin-1")
                f.write(b"%s %s %d\n" % (t.typename.encode(), cat.encode(), len(data)))
                f.write(data + b"\n")
    os.replace(path + ".tmp", path)


def main(argv):
    if len(argv) != 4:
        sys.stderr.write("usage: gen_jsondiff.py IDL OUT.c CASES\n")
        return 2
    types, _ = idl.parse(argv[1])
    gen_c(types, argv[2])
    gen_cases(types, argv[3])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
