package autotask

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// fieldsAnswer is the answer of GET {Entity}/entityInformation/fields.
type fieldsAnswer struct {
	Fields []struct {
		Name           string `json:"name"`
		IsPickList     bool   `json:"isPickList"`
		PicklistValues []struct {
			Value json.RawMessage `json:"value"`
			Label string          `json:"label"`
		} `json:"picklistValues"`
	} `json:"fields"`
}

// picklist returns the labels of a picklist field by value, read once per connector
// from entityInformation/fields (picklist values differ per tenant).
func (c *Connector) picklist(ctx context.Context, entity, field string) (map[int64]string, error) {
	key := entity + "." + field
	c.mu.Lock()
	labels, ok := c.picklists[key]
	c.mu.Unlock()
	if ok {
		return labels, nil
	}
	body, err := c.call(ctx, http.MethodGet, entity+"/entityInformation/fields", nil)
	if err != nil {
		return nil, fmt.Errorf("reading the %s picklist: %w", key, err)
	}
	var ans fieldsAnswer
	if err := json.Unmarshal(body, &ans); err != nil {
		return nil, fmt.Errorf("reading the %s picklist: decoding: %w", key, err)
	}
	labels = map[int64]string{}
	for _, f := range ans.Fields {
		if !strings.EqualFold(f.Name, field) {
			continue
		}
		for _, v := range f.PicklistValues {
			// Picklist values come as strings of digits; numbers are accepted too.
			s := strings.Trim(string(v.Value), `"`)
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				labels[n] = v.Label
			}
		}
	}
	c.mu.Lock()
	c.picklists[key] = labels
	c.mu.Unlock()
	return labels, nil
}
