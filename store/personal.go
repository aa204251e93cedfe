package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/custos-msp/custos/seal"
)

// Personal values are sealed by gorm itself, through two serializers the models'
// personal columns name in their tags:
//
//   - `serializer:personal` seals with a random nonce. Such a column is never
//     compared in SQL.
//   - `serializer:personref` seals deterministically (seal.Keyring.SealDeterministic),
//     so the columns that name the same person (an event's actor, a technician link,
//     an authorisation's technician) still join, group and compare in SQL, as a keyed
//     blind index would, without the name being readable. PersonRef finds a stored
//     reference by its clear value.
//
// Both bind their values to one associated data, personalData, so that any query
// can read a personal column into a struct field tagged `serializer:personal`.
//
// The store's Sealer reaches the serializers through each statement's context (see
// withSealer). Without a Sealer, values are stored as they are: Custos then says so
// (Store.SealsPersonalData).
const (
	personalSerializer  = "personal"
	personRefSerializer = "personref"
)

// personalData is the associated data of every sealed personal value.
var personalData = []byte("custos personal data")

func init() {
	schema.RegisterSerializer(personalSerializer, personalSealing{})
	schema.RegisterSerializer(personRefSerializer, personalSealing{reference: true})
}

// DeterministicSealer is a Sealer that can also seal equal values to equal strings.
// *seal.Keyring implements it.
type DeterministicSealer interface {
	Sealer
	SealDeterministic(plaintext, associatedData []byte) (string, error)
}

type sealerKey struct{}

// withSealer returns ctx carrying the sealer the personal serializers use.
func withSealer(ctx context.Context, s Sealer) context.Context {
	return context.WithValue(ctx, sealerKey{}, s)
}

func sealerFrom(ctx context.Context) Sealer {
	if ctx == nil {
		return nil
	}
	s, _ := ctx.Value(sealerKey{}).(Sealer)
	return s
}

// injectSealer makes every statement of db carry s in its context, ahead of every
// other callback, so the personal serializers find it whatever context the caller
// passed.
func injectSealer(db *gorm.DB, s Sealer) error {
	if s == nil {
		return nil
	}
	inject := func(tx *gorm.DB) { tx.Statement.Context = withSealer(tx.Statement.Context, s) }
	cb := db.Callback()
	for name, register := range map[string]func(string, func(*gorm.DB)) error{
		"create": cb.Create().Before("*").Register,
		"query":  cb.Query().Before("*").Register,
		"update": cb.Update().Before("*").Register,
		"delete": cb.Delete().Before("*").Register,
		"row":    cb.Row().Before("*").Register,
		"raw":    cb.Raw().Before("*").Register,
	} {
		if err := register("custos:sealer", inject); err != nil {
			return fmt.Errorf("store: registering the sealer for %s: %w", name, err)
		}
	}
	return nil
}

// personalSealing is the gorm serializer of personal string columns.
type personalSealing struct{ reference bool }

// Scan opens a sealed value; a value stored before sealing (or with no key) is
// read as it is.
func (p personalSealing) Scan(ctx context.Context, field *schema.Field, dst reflect.Value, dbValue any) error {
	var stored string
	switch v := dbValue.(type) {
	case nil:
	case string:
		stored = v
	case []byte:
		stored = string(v)
	default:
		return fmt.Errorf("store: %s holds a %T, not text", field.DBName, dbValue)
	}
	clear, err := openPersonal(sealerFrom(ctx), stored, personalData)
	if err != nil {
		return fmt.Errorf("store: %s: %w", field.DBName, err)
	}
	field.ReflectValueOf(ctx, dst).SetString(clear)
	return nil
}

// Value seals the value with the statement's sealer, or keeps it as it is without one.
func (p personalSealing) Value(ctx context.Context, field *schema.Field, _ reflect.Value, fieldValue any) (any, error) {
	clear, ok := fieldValue.(string)
	if !ok {
		return nil, fmt.Errorf("store: %s is a %T, not a string", field.DBName, fieldValue)
	}
	sealed, err := sealPersonal(sealerFrom(ctx), clear, p.reference, personalData)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", field.DBName, err)
	}
	return sealed, nil
}

// Pseudonyms replace a person's name where retention or an erasure removed it, so that
// what is counted per person still adds up. They name Custos's own record of the
// person (which is kept), not the person, and are stored as they are, unsealed, so
// that SQL can tell a pseudonymised value from a sealed one.
const (
	technicianPseudonymPrefix = "technician #"
	erasedPseudonymPrefix     = "erased person #"
	// technicianPseudonymSQL is TechnicianPseudonym of a row's technician_id, in SQL.
	technicianPseudonymSQL = "'" + technicianPseudonymPrefix + "' || CAST(technician_id AS TEXT)"
)

// TechnicianPseudonym is how technician id is named once their own name is removed.
func TechnicianPseudonym(id uint) string { return fmt.Sprintf("%s%d", technicianPseudonymPrefix, id) }

// erasedPseudonym names the subject of erasure id where no technician record does.
func erasedPseudonym(id uint) string { return fmt.Sprintf("%s%d", erasedPseudonymPrefix, id) }

// IsPseudonym reports whether v is a pseudonym rather than a person's value.
func IsPseudonym(v string) bool {
	return strings.HasPrefix(v, technicianPseudonymPrefix) || strings.HasPrefix(v, erasedPseudonymPrefix)
}

// sealPersonal seals a personal value; an empty one stays empty (so SQL can still
// tell a missing value), a pseudonym stays as it is, and with no sealer the value is
// kept as it is.
func sealPersonal(s Sealer, clear string, reference bool, ad []byte) (string, error) {
	if s == nil || clear == "" || IsPseudonym(clear) {
		return clear, nil
	}
	if !reference {
		return s.Seal([]byte(clear), ad)
	}
	d, ok := s.(DeterministicSealer)
	if !ok {
		return "", errors.New("the sealer cannot seal references deterministically")
	}
	return d.SealDeterministic([]byte(clear), ad)
}

// openPersonal opens a sealed personal value. A value that is not sealed at all
// (stored before sealing, or with no key) is returned as it is.
func openPersonal(s Sealer, stored string, ad []byte) (string, error) {
	if !seal.IsSealed(stored) {
		return stored, nil
	}
	if s == nil {
		return "", fmt.Errorf("value is sealed and no sealing key is configured: %w", seal.ErrNoKey)
	}
	clear, err := s.Open(stored, ad)
	if err != nil {
		return "", err
	}
	return string(clear), nil
}

// PersonRef returns how a reference to a person (a sign-in name, a user name, a
// contact's e-mail address) is stored, to find rows that name them: the value
// sealed deterministically, or the value itself when personal data is not sealed.
func (s *Store) PersonRef(clear string) (string, error) {
	ref, err := sealPersonal(s.sealer, clear, true, personalData)
	if err != nil {
		return "", fmt.Errorf("store: sealing a person reference: %w", err)
	}
	return ref, nil
}

// SealsPersonalData reports whether personal columns are sealed at rest: only when
// a sealing key is configured.
func (s *Store) SealsPersonalData() bool { return s.sealer != nil }
