package autotask

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/vocab"
)

// The hourly request threshold is shared by every integration of the tenant; past it,
// Autotask refuses them all. Custos reads its usage at most every budgetTTL, slows
// down from slowAt and stops pulling from stopAt.
const (
	budgetTTL = 5 * time.Minute
	slowAt    = 0.5
	stopAt    = 0.9
	// slowPause is the wait before each request while usage is at or above slowAt.
	slowPause = time.Second
)

// budget is what Custos last learnt of the tenant's hourly usage.
type budget struct {
	checkedAt time.Time
	usage     float64
	pause     time.Duration
}

// thresholdInformation is the answer of GET ThresholdInformation.
type thresholdInformation struct {
	ExternalRequestThreshold     int `json:"externalRequestThreshold"`
	RequestThresholdTimeframe    int `json:"requestThresholdTimeframe"`
	CurrentTimeframeRequestCount int `json:"currentTimeframeRequestCount"`
}

// readThreshold reads the tenant's hourly threshold and its usage.
func (c *Connector) readThreshold(ctx context.Context) (thresholdInformation, error) {
	var t thresholdInformation
	body, err := c.call(ctx, http.MethodGet, "ThresholdInformation", nil)
	if err != nil {
		return t, fmt.Errorf("reading ThresholdInformation: %w", err)
	}
	if err := json.Unmarshal(body, &t); err != nil {
		return t, fmt.Errorf("reading ThresholdInformation: decoding: %w", err)
	}
	return t, nil
}

// checkBudget reads the tenant's usage (at most every budgetTTL), logs it, paces the
// following requests when usage is high and fails as throttled when it is near the
// threshold. A failure to read it is only logged, unless the credentials were refused.
func (c *Connector) checkBudget(ctx context.Context) error {
	c.mu.Lock()
	b := c.budget
	c.mu.Unlock()
	if b.checkedAt.IsZero() || c.now().Sub(b.checkedAt) >= budgetTTL {
		t, err := c.readThreshold(ctx)
		if err != nil {
			if connectors.Classify(err) == vocab.OutcomeAccessDenied || ctx.Err() != nil {
				return err
			}
			c.log.Warn().Err(err).Msg("could not read the hourly request threshold; pulling without it")
			return nil
		}
		b = budget{checkedAt: c.now()}
		if t.ExternalRequestThreshold > 0 {
			b.usage = float64(t.CurrentTimeframeRequestCount) / float64(t.ExternalRequestThreshold)
		}
		if b.usage >= slowAt {
			b.pause = slowPause
		}
		ev := c.log.Info()
		if b.usage >= slowAt {
			ev = c.log.Warn()
		}
		ev.Int("requests", t.CurrentTimeframeRequestCount).Int("threshold", t.ExternalRequestThreshold).
			Int("timeframe_minutes", t.RequestThresholdTimeframe).Float64("usage", b.usage).
			Msg("Autotask hourly request usage")
		c.mu.Lock()
		c.budget = b
		c.mu.Unlock()
	}
	if b.usage >= stopAt {
		return &connectors.ClassifiedError{Kind: vocab.OutcomeThrottled, Err: fmt.Errorf(
			"the tenant has used %.0f%% of its hourly request threshold, which every integration shares; pulling again later", b.usage*100)}
	}
	return nil
}
