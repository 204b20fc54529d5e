# idl.py: the object model that libxl_types.idl is written in.
#
# The IDL file is plain Python executed with this module's public names in
# scope. It builds Type objects (builtins, numbers, enumerations, structs,
# keyed unions, arrays); gentypes.py walks them to emit C. Nothing here
# knows about C syntax beyond the type names themselves.

import sys

# Direction of a type (informational: which way it crosses the API).
DIR_NONE, DIR_IN, DIR_OUT, DIR_BOTH = range(4)


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
        if self.namespace and self.typename.startswith(self.namespace):
            return self.typename[len(self.namespace):]
        return self.typename

    def needs_dispose(self):
        return False

    def __repr__(self):
        return "<%s %s>" % (self.__class__.__name__, self.typename)


class Builtin(Type):
    """A type implemented by hand (src/builtin_types.c, src/json.c).

    kind selects how the generator treats it: "bool", "string", "defbool",
    "uuid", "link" (a private list entry, never copied or serialised).
    """

    def __init__(self, typename, kind, **kw):
        kw.setdefault("namespace", None)
        Type.__init__(self, typename, **kw)
        self.kind = kind

    def needs_dispose(self):
        return self.kind == "string"


class Number(Builtin):
    """An integer. json_signed overrides how it is printed (libxl prints
    libxl_ev_user, an unsigned 64-bit value, as a signed one)."""

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


class EnumValue(object):
    def __init__(self, enum, value, name):
        self.enum = enum
        self.value = value
        self.name = name.upper()
        self.cname = enum.value_namespace + self.name
        self.string = name.lower()   # spelling in strings and JSON


class Field(object):
    """One member of a struct."""

    def __init__(self, type, name, init_val=None, json=True):
        self.type = type
        self.name = name
        self.init_val = init_val if init_val is not None else type.init_val
        self.json = json and type.json


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
    typename None makes an anonymous struct (a keyed-union member)."""

    def __init__(self, typename, fields, **kw):
        Type.__init__(self, typename, **kw)
        self.fields = _fields(fields)

    def needs_dispose(self):
        return any(f.type.needs_dispose() for f in self.fields)


class KeyedUnion(Type):
    """A union selected by an enumeration field that precedes it.

    Used as a field type inside a Struct: the struct gets the key field
    (keyvar_name, of keyvar_type) followed by the union. members: list of
    (enum value name, Struct or None); None means the member carries no
    data (it is then left out of the C union, as libxl does)."""

    def __init__(self, typename, keyvar_type, keyvar_name, members, **kw):
        Type.__init__(self, typename, **kw)
        if not isinstance(keyvar_type, Enumeration):
            raise TypeError("a keyed union needs an enumeration key")
        self.keyvar_type = keyvar_type
        self.keyvar_name = keyvar_name
        self.members = []
        for name, st in members:
            value = keyvar_type.lookup(name)
            if st is not None and not isinstance(st, Struct):
                raise TypeError("union member %s must be a Struct" % name)
            self.members.append(UnionMember(name, value, st))

    def needs_dispose(self):
        return any(m.struct is not None and m.struct.needs_dispose()
                   for m in self.members)


class UnionMember(object):
    def __init__(self, name, value, struct):
        self.name = name
        self.value = value        # EnumValue of the key
        self.struct = struct      # Struct or None (no data)

    @property
    def has_data(self):
        return self.struct is not None and len(self.struct.fields) > 0


class Array(Type):
    """A counted array: the field becomes `T *name` plus `int lenvar`.
    (Modelled for completeness; gentypes.py rejects it until a type
    that lightcore implements needs one.)"""

    def __init__(self, elem_type, lenvar_name, **kw):
        Type.__init__(self, None, namespace=None, **kw)
        self.elem_type = elem_type
        self.lenvar_name = lenvar_name


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
