# idl.py: the object model that libxl_types.idl is written in.
#
# The IDL file is plain Python executed with this module's public names in
# scope. It builds Type objects; gentypes.py (and the test generators under
# tests/types/) walk them to emit C. Nothing here knows C syntax beyond the
# type names themselves.
#
# The model, for a program that walks it:
#
#   Type                  typename ("libxl_dominfo", None if anonymous),
#                         init_val (C expression or None = all zero bytes)
#   +- Builtin            kind: "bool", "string", "opaque", "link" (the
#   |  |                  event list entry: private, never copied nor in
#   |  |                  JSON), "number", or one of UNIFORM_BUILTINS (the
#   |  |                  hand-written types of src/types/builtins.h:
#   |  |                  lc_<kind>_init/_dispose/_copy/_is_default/
#   |  |                  _parse_json and libxl_<kind>_gen_json)
#   |  +- Number          signed, bits, json_signed (how JSON prints it)
#   +- Enumeration        values: [EnumValue(value, name, cname, string)];
#   |                     functions(): the names libxl exports for it
#   +- Struct             fields: [Field]; typename None inside another
#   |                     struct means an anonymous struct member;
#   |                     has_dispose (option dispose=False) and
#   |                     functions(): the names libxl exports for it
#   +- KeyedUnion         only as a field type: keyvar_type (Enumeration),
#   |                     keyvar_name, members: [UnionMember(name, value,
#   |                     struct or None)]
#   +- Array              only as a field type: elem_type, lenvar_name
#                         (an int member placed just before the pointer)
#
#   Field                 name, type, init_val (the field's own, else the
#                         type's), const (declared const: libxl never
#                         initialises, copies, frees nor prints it)
#
# A field is left out of the JSON text while it holds its default:
# json_default() below is the rule, per kind of member.

import sys

# Direction of a type (informational: which way it crosses the API).
DIR_NONE, DIR_IN, DIR_OUT, DIR_BOTH = range(4)

# Builtins written by hand behind the uniform interface of
# src/types/builtins.h; Builtin.kind is one of these for them.
UNIFORM_BUILTINS = ("bitmap", "string_list", "key_value_list", "mac",
                    "hwcap", "ms_vm_genid", "cpuid_policy_list", "uuid",
                    "defbool")

# A member whose JSON value is null is read as absent, except for these
# builtins: libxl hands their parser any JSON value, null included, and
# the parser rejects it.
NULL_REJECTED_BUILTINS = ("ms_vm_genid", "cpuid_policy_list")


class Type(object):
    """Anything a field can have as its type."""

    def __init__(self, typename, namespace="libxl_", init_val=None,
                 json=True, private=False, dir=DIR_BOTH):
        if typename is not None and namespace and \
                not typename.startswith(namespace):
            typename = namespace + typename
        self.typename = typename          # C spelling, e.g. "libxl_uuid"
        self.namespace = namespace
        self.init_val = init_val          # C expression or None (= zero)
        self.json = json                  # appears in JSON at all?
        self.private = private            # not part of the public API
        self.dir = dir

    @property
    def rawname(self):
        """The name without its namespace prefix ("dominfo")."""
        if self.typename is None:
            return None
        if self.namespace and self.typename.startswith(self.namespace):
            return self.typename[len(self.namespace):]
        return self.typename

    def __repr__(self):
        return "<%s %s>" % (self.__class__.__name__, self.typename)


class Builtin(Type):
    """A type implemented by hand (see UNIFORM_BUILTINS and kind above)."""

    def __init__(self, typename, kind, **kw):
        kw.setdefault("namespace", None)
        Type.__init__(self, typename, **kw)
        self.kind = kind

    @property
    def uniform(self):
        """True for the builtins of src/types/builtins.h."""
        return self.kind in UNIFORM_BUILTINS

    @property
    def null_rejected(self):
        """True if a member of this type may not be null in JSON."""
        return self.kind in NULL_REJECTED_BUILTINS


class Number(Builtin):
    """An integer. json_signed overrides how it is printed (libxl prints
    libxl_ev_user, an unsigned 64-bit value, as a signed one, and still
    reads it back as an unsigned one: a cookie of 2^63 or more does not
    survive a round trip through JSON)."""

    def __init__(self, typename, signed, bits, json_signed=None, **kw):
        Builtin.__init__(self, typename, "number", **kw)
        self.signed = signed
        self.bits = bits
        self.json_signed = signed if json_signed is None else json_signed


class Enumeration(Type):
    """A C enum. values: list of (value, NAME). The C constants are
    value_namespace + NAME; value_namespace defaults to "LIBXL_<RAWNAME>_"."""

    def __init__(self, typename, values, value_namespace=None, **kw):
        Type.__init__(self, typename, **kw)
        if value_namespace is None:
            value_namespace = (self.namespace + self.rawname + "_").upper()
        self.value_namespace = value_namespace
        self.values = []
        seen = set()
        for num, name in values:
            if name.upper() in seen:
                raise ValueError("%s: duplicate value %s" % (typename, name))
            seen.add(name.upper())
            self.values.append(EnumValue(self, num, name))

    def lookup(self, name):
        for v in self.values:
            if v.name == name.upper():
                return v
        raise KeyError("%s has no value %s" % (self.typename, name))

    def functions(self):
        """The public names libxl exports for this enumeration."""
        return [self.typename + suffix for suffix in
                ("_to_json", "_from_json", "_to_string", "_from_string",
                 "_string_table", "_gen_json")]


class EnumValue(object):
    def __init__(self, enum, value, name):
        self.enum = enum
        self.value = value
        self.name = name.upper()
        self.cname = enum.value_namespace + self.name
        self.string = name.lower()   # spelling in strings and JSON


class Field(object):
    """One member of a struct."""

    def __init__(self, type, name, init_val=None, json=True, const=False):
        self.type = type
        self.name = name
        self.init_val = init_val if init_val is not None else type.init_val
        self.json = json and type.json and not const
        self.const = const


def _fields(items):
    out = []
    for item in items:
        if isinstance(item, Field):
            out.append(item)
            continue
        name, ty = item[0], item[1]
        kw = item[2] if len(item) > 2 else {}
        out.append(Field(ty, name, **kw))
    return out


class Struct(Type):
    """A C struct. fields: list of (name, type[, {options}]) or Field.

    typename None makes an anonymous struct: a keyed-union member, or a
    struct member declared in place ("struct { ... } arch_arm;").

    dispose: whether libxl exports <type>_dispose (a few plain structs
    have none). Every named struct has _init, _copy, _gen_json, _to_json
    and _from_json, and _init_<keyvar> for each keyed union."""

    def __init__(self, typename, fields, dispose=True, **kw):
        Type.__init__(self, typename, **kw)
        self.fields = _fields(fields)
        self.has_dispose = dispose

    def keyed_unions(self):
        return [f for f in self.fields if isinstance(f.type, KeyedUnion)]

    def functions(self):
        """The public names libxl exports for this (named) struct."""
        t = self.typename
        names = [t + "_dispose"] if self.has_dispose else []
        names += [t + "_copy", t + "_init"]
        names += ["%s_init_%s" % (t, f.type.keyvar_name)
                  for f in self.keyed_unions()]
        return names + [t + "_to_json", t + "_from_json", t + "_gen_json"]


class KeyedUnion(Type):
    """A union selected by an enumeration member that precedes it.

    Used as a field type inside a Struct: the struct gets the key member
    (keyvar_name, of keyvar_type) followed by the union. members: list of
    (enum value name, Struct or None); None means the member carries no
    data (it is then left out of the C union, as libxl does).
    keyvar_init: the key's initial value (default: keyvar_type's)."""

    def __init__(self, typename, keyvar_type, keyvar_name, members,
                 keyvar_init=None, **kw):
        Type.__init__(self, typename, **kw)
        if not isinstance(keyvar_type, Enumeration):
            raise TypeError("a keyed union needs an enumeration key")
        self.keyvar_type = keyvar_type
        self.keyvar_name = keyvar_name
        self.keyvar_init = keyvar_init if keyvar_init is not None \
            else keyvar_type.init_val
        self.members = []
        for name, st in members:
            value = keyvar_type.lookup(name)
            if st is not None and not isinstance(st, Struct):
                raise TypeError("union member %s must be a Struct" % name)
            self.members.append(UnionMember(name, value, st))


class UnionMember(object):
    def __init__(self, name, value, struct):
        self.name = name
        self.value = value        # EnumValue of the key
        self.struct = struct      # Struct or None (no data)

    @property
    def has_data(self):
        return self.struct is not None and len(self.struct.fields) > 0


class Array(Type):
    """A counted array: the struct gets `int lenvar_name;` then
    `elem_type *name;`, in that order."""

    def __init__(self, elem_type, lenvar_name, **kw):
        Type.__init__(self, None, namespace=None, **kw)
        self.elem_type = elem_type
        self.lenvar_name = lenvar_name


def json_default(field):
    """How libxl decides whether a member is printed in JSON.

    Returns (kind, value):
      ("always", None)     structs (named or anonymous) and keyed unions
      ("array", None)      printed when the pointer is non-NULL and the
                           count non-zero
      ("init_val", expr)   printed when it differs from expr
      ("builtin", kind)    printed unless lc_<kind>_is_default()
      ("nonzero", None)    printed when non-zero (numbers, enumerations
                           and bools without an init value; a string
                           when non-NULL)"""
    ty = field.type
    if isinstance(ty, (Struct, KeyedUnion)):
        return ("always", None)
    if isinstance(ty, Array):
        return ("array", None)
    if field.init_val is not None:
        return ("init_val", field.init_val)
    if isinstance(ty, Builtin) and ty.uniform:
        return ("builtin", ty.kind)
    return ("nonzero", None)


# -------------------------------------------------------------- builtins

void = Builtin("void *", "opaque", json=False)
bool = Builtin("bool", "bool", json=True)
string = Builtin("char *", "string")

int_ = Number("int", True, 32)
integer = int_
int8 = Number("int8_t", True, 8)
int16 = Number("int16_t", True, 16)
int32 = Number("int32_t", True, 32)
int64 = Number("int64_t", True, 64)
uint8 = Number("uint8_t", False, 8)
uint16 = Number("uint16_t", False, 16)
uint32 = Number("uint32_t", False, 32)
uint64 = Number("uint64_t", False, 64)
# A memory size in KiB whose "not set" value is LIBXL_MEMKB_DEFAULT.
MemKB = Number("uint64_t", False, 64, init_val="LIBXL_MEMKB_DEFAULT")


def parse(path):
    """Execute an IDL file; return (types in definition order, builtins)."""
    scope = {}
    for name, val in globals().items():
        if not name.startswith("_") and name not in ("parse", "sys"):
            scope[name] = val
    before = dict(scope)
    with open(path) as f:
        code = compile(f.read(), path, "exec")
    exec(code, scope)
    types, builtins = [], []
    for name, val in scope.items():
        if not isinstance(val, Type) or before.get(name) is val:
            continue
        if isinstance(val, Builtin):
            builtins.append(val)
        elif isinstance(val, (Enumeration, Struct)) and val.typename:
            types.append(val)
    # dict preserves insertion order, which is definition order
    return types, builtins


if __name__ == "__main__":
    ts, bs = parse(sys.argv[1])
    for t in bs + ts:
        print(t)
