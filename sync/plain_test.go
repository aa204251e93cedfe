package sync_test

import (
	"database/sql"
	"time"

	"github.com/custos-msp/custos/record"
)

// plainInsert writes configurations and their backups with database/sql only.
func plainInsert(db *sql.DB, configs []*record.Configuration) error {
	const batch = 500
	now := time.Now().UTC()
	for start := 0; start < len(configs); start += batch {
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		cfgStmt, err := tx.Prepare(`INSERT INTO configurations
			(source, source_id, stream, scope, seen_at, raw, customer_ref, name, hostname, serial, type_name,
			 installed_at, archived, source_created_at, source_updated_at)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`)
		if err != nil {
			return err
		}
		bkStmt, err := tx.Prepare(`INSERT INTO config_backups
			(source, source_id, configuration_id, file_name, name, content_type, size, source_created_at, source_updated_at, raw)
			VALUES (?,?,?,?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		for _, c := range configs[start:min(start+batch, len(configs))] {
			var id int64
			err := cfgStmt.QueryRow(c.Source, c.SourceID, "configurations", c.CustomerRef, now, "", c.CustomerRef,
				c.Name, c.Hostname, c.Serial, c.TypeName, c.InstalledAt, c.Archived, c.SourceCreatedAt, c.SourceUpdatedAt).Scan(&id)
			if err != nil {
				return err
			}
			for _, bk := range c.Backups {
				if _, err := bkStmt.Exec(c.Source, bk.SourceID, id, bk.FileName, bk.Name, bk.ContentType, bk.Size, bk.CreatedAt, bk.UpdatedAt, ""); err != nil {
					return err
				}
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}
