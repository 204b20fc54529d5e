#!/usr/bin/env python3
# gen-typedump.py: write the per-type part of tests/types/typedump.c from
# libxl_types.idl, so that the checks cover every type of the IDL.
#
#   gen-typedump.py libxl_types.idl OUT.h
#
# OUT.h defines, for typedump.c (built against Debian's headers and against
# ours, so it may only use names both have):
#   layout_all()     sizeof/alignment of every type, offset and size of
#                    every member (keyed-union members, anonymous structs,
#                    array counts and pointers included)
#   init_all()       the bytes of every struct after _init, and after
#                    _init + _init_<key>(k) for every value k of each key;
#                    pointer members are shown as NULL or not
#   json_init_all()  _to_json of every struct after _init (and
#                    _init_<key>), of every enumeration value and of one
#                    value outside each enumeration; every string table
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", ".."))
import idl  # noqa: E402


def is_pointer(ty):
    """Members whose bytes are an address (compared as NULL or not)."""
    if isinstance(ty, idl.Array):
        return True
    if isinstance(ty, idl.Builtin):
        return ty.kind in ("string", "string_list", "key_value_list",
                           "cpuid_policy_list", "opaque")
    return False


def layout_members(tname, fields, prefix, out):
    for f in fields:
        path = prefix + f.name
        ty = f.type
        if isinstance(ty, idl.KeyedUnion):
            out.append("    FIELD(%s, %s%s);" % (tname, prefix, ty.keyvar_name))
            out.append("    FIELD(%s, %s);" % (tname, path))
            for m in ty.members:
                if m.has_data:
                    out.append("    FIELD(%s, %s.%s);" % (tname, path, m.name))
                    layout_members(tname, m.struct.fields,
                                   "%s.%s." % (path, m.name), out)
            continue
        if isinstance(ty, idl.Array):
            out.append("    FIELD(%s, %s%s);" % (tname, prefix, ty.lenvar_name))
        out.append("    FIELD(%s, %s);" % (tname, path))
        if isinstance(ty, idl.Struct) and ty.typename is None:
            layout_members(tname, ty.fields, path + ".", out)
        elif isinstance(ty, idl.Builtin) and ty.kind == "link":
            out.append("    FIELD(%s, %s.tqe_next);" % (tname, path))
            out.append("    FIELD(%s, %s.tqe_prev);" % (tname, path))


def pointer_paths(fields, prefix, active=None):
    """Member paths holding addresses, recursing into named and anonymous
    structs; keyed unions only for their active member (active: dict
    union path -> member name)."""
    paths = []
    for f in fields:
        path = prefix + f.name
        ty = f.type
        if isinstance(ty, idl.KeyedUnion):
            chosen = (active or {}).get(path)
            for m in ty.members:
                if m.has_data and m.name == chosen:
                    paths += pointer_paths(m.struct.fields,
                                           "%s.%s." % (path, m.name))
        elif is_pointer(ty):
            paths.append(path)
        elif isinstance(ty, idl.Builtin) and ty.kind == "bitmap":
            paths.append(path + ".map")
        elif isinstance(ty, idl.Builtin) and ty.kind == "link":
            paths += [path + ".tqe_next", path + ".tqe_prev"]
        elif isinstance(ty, idl.Struct):
            paths += pointer_paths(ty.fields, path + ".")
    return paths


def init_case(t, label, key_call, active, out):
    out.append("    {")
    out.append("        %s x;" % t.typename)
    out.append("        static const size_t ptrs[] = {")
    for p in pointer_paths(t.fields, "", active):
        out.append("            offsetof(%s, %s)," % (t.typename, p))
    out.append("            (size_t)-1,")
    out.append("        };")
    out.append("")
    out.append("        %s_init(&x);" % t.typename)
    if key_call:
        out.append("        %s;" % key_call)
    out.append('        dump_bytes("%s", &x, sizeof(x), ptrs);' % label)
    if t.has_dispose:
        out.append("        %s_dispose(&x);" % t.typename)
    out.append("    }")


def keyed_cases(t):
    """(label, init_<key> call, active member map) for each key value."""
    cases = []
    for uf in t.keyed_unions():
        ku = uf.type
        for v in ku.keyvar_type.values:
            member = next((m for m in ku.members if m.value is v), None)
            active = {uf.name: member.name} if member else {}
            cases.append(("%s init_%s %s" % (t.typename, ku.keyvar_name,
                                             v.string),
                          "%s_init_%s(&x, %s)" % (t.typename, ku.keyvar_name,
                                                  v.cname),
                          active))
    return cases


# ------------------------------------------------------------ filled values

def fill_value(ty, lv, seed, out, pad, parent):
    """C statements giving lv a non-default value of its kind (seed varies
    numbers and picks keyed-union members). Memory comes from malloc, so
    either library's _dispose frees it."""
    if isinstance(ty, idl.Enumeration):
        vals = [v for v in ty.values if v.cname != ty.init_val]
        out.append("%s%s = %s;" % (pad, lv, vals[seed % len(vals)].cname))
    elif isinstance(ty, idl.Number):
        if ty.bits == 64:
            val = "0x8000000000000000ull + %du" % seed
        elif ty.bits == 8:
            val = "%d" % (0x7f + seed % 2)
        elif ty.signed:
            val = "-%d" % (2 + seed)
        else:
            val = "4000000000u + %du" % seed if ty.bits == 32 else "%d" % (60000 + seed)
        out.append("%s%s = (%s)(%s);" % (pad, lv, ty.typename, val))
    elif isinstance(ty, idl.Builtin):
        k = ty.kind
        if k == "bool":
            out.append("%s%s = true;" % (pad, lv))
        elif k == "string":
            out.append('%s%s = strdup("s%d \\\"q\\\"\\t/\\x01\\xc3\\xa9");'
                       % (pad, lv, seed))
        elif k == "defbool":
            out.append("%slibxl_defbool_set(&%s, %s);" % (pad, lv, "true" if seed % 2 else "false"))
        elif k in ("uuid", "mac", "ms_vm_genid", "hwcap"):
            out.append("%smemset(&%s, 0x%02x, sizeof(%s));" % (pad, lv, 0x11 + seed, lv))
        elif k == "bitmap":
            out.append("%s%s.size = 2;" % (pad, lv))
            out.append("%s%s.map = calloc(2, 1);" % (pad, lv))
            out.append("%s%s.map[0] = 0x81;" % (pad, lv))
            out.append("%s%s.map[1] = 0x%02x;" % (pad, lv, 2 + seed))
        elif k == "string_list":
            out.append("%s%s = calloc(3, sizeof(char *));" % (pad, lv))
            out.append('%s%s[0] = strdup("first");' % (pad, lv))
            out.append('%s%s[1] = strdup("second %d");' % (pad, lv, seed))
        elif k == "key_value_list":
            out.append("%s%s = calloc(5, sizeof(char *));" % (pad, lv))
            out.append('%s%s[0] = strdup("key");' % (pad, lv))
            out.append('%s%s[1] = strdup("value %d");' % (pad, lv, seed))
            out.append('%s%s[2] = strdup("nokey");' % (pad, lv))
        # cpuid policies can only be built through the library: left empty
    elif isinstance(ty, idl.Struct) and ty.typename is not None:
        out.append("%sfill_%s(&%s, %d);" % (pad, ty.typename, lv, seed + 1))
    elif isinstance(ty, idl.Struct):
        fill_fields(ty.fields, lv + ".", seed, out, pad)
    elif isinstance(ty, idl.Array):
        out.append("%s%s%s = 2;" % (pad, parent, ty.lenvar_name))
        out.append("%s%s = calloc(2, sizeof(*%s));" % (pad, lv, lv))
        for i in range(2):
            fill_value(ty.elem_type, "%s[%d]" % (lv, i), seed + i, out, pad,
                       parent)


def fill_fields(fields, prefix, seed, out, pad):
    for i, f in enumerate(fields):
        if f.const or isinstance(f.type, idl.KeyedUnion):
            continue
        fill_value(f.type, prefix + f.name, seed + i, out, pad, prefix)


def fill_function(t, out):
    """fill_<type>(x, seed): _init, the keyed union's member number seed
    (modulo their count), then every member set."""
    out.append("static void fill_%s(%s *x, int seed)" % (t.typename, t.typename))
    out.append("{")
    out.append("    (void)seed;")
    out.append("    %s_init(x);" % t.typename)
    for uf in t.keyed_unions():
        ku = uf.type
        n = len(ku.members)
        out.append("    switch (seed %% %d) {" % n)
        for i, m in enumerate(ku.members):
            out.append("    case %d:" % i)
            out.append("        %s_init_%s(x, %s);" % (t.typename, ku.keyvar_name,
                                                    m.value.cname))
            if m.has_data:
                fill_fields(m.struct.fields, "x->%s.%s." % (uf.name, m.name),
                            i, out, "        ")
            out.append("        break;")
        out.append("    }")
    body = []
    fill_fields(t.fields, "x->", 0, body, "    ")
    out += [line.replace("+ 0u", "") for line in body]
    out.append("}")
    out.append("")


def union_count(t):
    return max([len(uf.type.members) for uf in t.keyed_unions()] + [1])


def main(argv):
    types, _ = idl.parse(argv[1])
    out = ["/* Generated by tests/types/gen-typedump.py. Do not edit. */", ""]

    out.append("static void layout_all(void)")
    out.append("{")
    for t in types:
        out.append("    TYPE(%s);" % t.typename)
        if isinstance(t, idl.Struct):
            layout_members(t.typename, t.fields, "", out)
    out.append("}")
    out.append("")

    out.append("static void init_all(void)")
    out.append("{")
    for t in types:
        if not isinstance(t, idl.Struct):
            continue
        init_case(t, t.typename + " init", None, {}, out)
        for label, call, active in keyed_cases(t):
            init_case(t, label, call, active, out)
    out.append("}")
    out.append("")

    structs = [t for t in types if isinstance(t, idl.Struct)]
    for t in structs:
        out.append("static void fill_%s(%s *x, int seed);"
                   % (t.typename, t.typename))
    out.append("")
    for t in structs:
        fill_function(t, out)

    out.append("static void json_fill_all(void)")
    out.append("{")
    for t in structs:
        out.append("    for (int seed = 0; seed < %d; seed++) {" % union_count(t))
        out.append("        %s x;" % t.typename)
        out.append("        char name[128];")
        out.append("")
        out.append("        fill_%s(&x, seed);" % t.typename)
        out.append('        snprintf(name, sizeof(name), "json %s filled %%d", seed);'
                   % t.typename)
        out.append("        show(name, %s_to_json(NULL, &x));" % t.typename)
        if t.has_dispose:
            out.append("        %s_dispose(&x);" % t.typename)
        out.append("    }")
        out.append("    {")
        out.append("        %s x;" % t.typename)
        out.append("")
        out.append("        memset(&x, 0, sizeof(x));")
        out.append('        show("json %s zeroed", %s_to_json(NULL, &x));'
                   % (t.typename, t.typename))
        out.append("    }")
    out.append("}")
    out.append("")

    out.append("static void json_init_all(void)")
    out.append("{")
    for t in types:
        if isinstance(t, idl.Enumeration):
            for v in t.values:
                out.append('    show("%s %s", %s_to_json(NULL, %s));'
                           % (t.typename, v.string, t.typename, v.cname))
            out.append('    show("%s outside", %s_to_json(NULL, (%s)12345));'
                       % (t.typename, t.typename, t.typename))
            out.append("    TABLE(%s);" % t.typename)
            continue
        cases = [(t.typename + " init", None)] + \
            [(label, call) for label, call, _ in keyed_cases(t)]
        for label, call in cases:
            out.append("    {")
            out.append("        %s x;" % t.typename)
            out.append("")
            out.append("        %s_init(&x);" % t.typename)
            if call:
                out.append("        %s;" % call)
            out.append('        show("json %s", %s_to_json(NULL, &x));'
                       % (label, t.typename))
            if t.has_dispose:
                out.append("        %s_dispose(&x);" % t.typename)
            out.append("    }")
    out.append("}")

    tmp = argv[2] + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(out) + "\n")
    os.replace(tmp, argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
