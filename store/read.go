package store

import (
	"context"
	"fmt"
)

// CheckedConfiguration is a configuration that rules check, with its customer's name
// and its backups.
type CheckedConfiguration struct {
	Configuration
	CustomerName string
}

// CheckedConfigurations lists the configurations rules check: not removed at the
// source, not archived, and tied to an active customer; backups preloaded, ordered by
// id.
func (s *Store) CheckedConfigurations(ctx context.Context) ([]CheckedConfiguration, error) {
	var rows []CheckedConfiguration
	err := s.db.WithContext(ctx).Model(&Configuration{}).
		Select("configurations.*, customers.name AS customer_name").
		Joins("JOIN customers ON customers.id = configurations.customer_id").
		Where("configurations.removed_at IS NULL AND configurations.archived = ? AND customers.status = ?", false, CustomerActive).
		Order("configurations.id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: reading configurations: %w", err)
	}
	if len(rows) == 0 {
		return rows, nil
	}
	ids := make([]uint, len(rows))
	index := make(map[uint]int, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
		index[r.ID] = i
	}
	var backups []ConfigBackup
	if err := s.db.WithContext(ctx).Where("configuration_id IN ?", ids).Order("id").Find(&backups).Error; err != nil {
		return nil, fmt.Errorf("store: reading configuration backups: %w", err)
	}
	for _, b := range backups {
		i := index[b.ConfigurationID]
		rows[i].Backups = append(rows[i].Backups, b)
	}
	return rows, nil
}

// CheckedAgent is an agent that rules check, with its customer's name.
type CheckedAgent struct {
	Agent
	CustomerName string
}

// CheckedAgents lists the agents rules check: still listed by their source and not
// confirmed uninstalled, ordered by id. Agents of offboarded or unknown customers are
// included: an agent left on an old customer's machine is still an agent.
func (s *Store) CheckedAgents(ctx context.Context) ([]CheckedAgent, error) {
	var rows []CheckedAgent
	err := s.db.WithContext(ctx).Model(&Agent{}).
		Select("agents.*, customers.name AS customer_name").
		Joins("LEFT JOIN customers ON customers.id = agents.customer_id").
		Where("agents.removed_at IS NULL AND agents.uninstalled_at IS NULL").
		Order("agents.id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: reading agents: %w", err)
	}
	return rows, nil
}
