package config

import (
	"bytes"
	"encoding"
	"reflect"

	"github.com/BurntSushi/toml"
)

// Diff returns what a file must set to turn base into v: the keys of v (a struct, or
// a pointer to one, of the same type as base) whose values differ from base's, as
// tables of values a TOML encoder writes, each table holding only its keys that
// differ. A value that writes itself as text (a duration, a schedule, a secret
// reference) is compared by that text; an empty list or map equals none.
func Diff(v, base any) map[string]any {
	return diffStruct(reflect.Indirect(reflect.ValueOf(v)), reflect.Indirect(reflect.ValueOf(base)))
}

func diffStruct(v, base reflect.Value) map[string]any {
	out := map[string]any{}
	for _, f := range fieldsOf(v.Type()) {
		fv, bv := v.FieldByIndex(f.index), base.FieldByIndex(f.index)
		if f.typ.Kind() == reflect.Struct && !writesItself(f.typ) {
			if sub := diffStruct(fv, bv); len(sub) > 0 {
				out[f.name] = sub
			}
			continue
		}
		if !sameValue(fv, bv) {
			out[f.name] = fv.Interface()
		}
	}
	return out
}

var (
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
	tomlMarshaler = reflect.TypeFor[toml.Marshaler]()
)

// writesItself says whether the encoder writes a value of type t as text of its own
// rather than as a table.
func writesItself(t reflect.Type) bool {
	return t.Implements(textMarshaler) || t.Implements(tomlMarshaler)
}

// sameValue compares two values of one key: by the text they write themselves as,
// else deeply, an empty list or map equal to none.
func sameValue(a, b reflect.Value) bool {
	if a.Kind() == reflect.Pointer && (a.IsNil() || b.IsNil()) {
		return a.IsNil() && b.IsNil()
	}
	switch x := a.Interface().(type) {
	case toml.Marshaler:
		ta, errA := x.MarshalTOML()
		tb, errB := b.Interface().(toml.Marshaler).MarshalTOML()
		return errA == nil && errB == nil && bytes.Equal(ta, tb)
	case encoding.TextMarshaler:
		ta, errA := x.MarshalText()
		tb, errB := b.Interface().(encoding.TextMarshaler).MarshalText()
		return errA == nil && errB == nil && bytes.Equal(ta, tb)
	}
	if (a.Kind() == reflect.Slice || a.Kind() == reflect.Map) && a.Len() == 0 && b.Len() == 0 {
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}
