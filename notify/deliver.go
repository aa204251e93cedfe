package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/custos-msp/custos/store"
)

// deliveryBatch bounds how many queued messages one pass attempts.
const deliveryBatch = 200

// Deliver attempts every queued message whose attempt is due.
func (p *Pipeline) Deliver(ctx context.Context) (Result, error) {
	var res Result
	err := p.deliver(ctx, &res)
	return res, err
}

// deliver is the delivery stage: each due message is opened, handed to its receiver
// and its receipt recorded. A message is recorded as sent only after the receiver
// accepted it, so a crash in between sends it again (with the same key) on the next
// pass: delivery is at least once. When ctx ends, nothing more is recorded.
func (p *Pipeline) deliver(ctx context.Context, res *Result) error {
	due, err := p.Store.PendingDeliveries(ctx, p.Now(), deliveryBatch)
	if err != nil {
		return err
	}
	for _, d := range due {
		sendErr := p.attempt(ctx, d)
		if ctx.Err() != nil {
			return fmt.Errorf("notify: delivery of %s to %s interrupted: %w", d.IdempotencyKey, d.Receiver, ctx.Err())
		}
		a := p.outcome(d, sendErr, p.Now())
		if a.Status == store.DeliverySent {
			entries, err := p.Store.DeliveryEntries(ctx, d.ID)
			if err != nil {
				return err
			}
			a.Logs = markNotified(d, entries)
		}
		if sendErr != nil {
			p.Log.Warn().Str("receiver", d.Receiver).Str("key", d.IdempotencyKey).Int("attempt", d.Attempts+1).
				Bool("retrying", a.Status == store.DeliveryPending).Msg("notify: delivery failed: " + a.LastError)
		}
		if err := p.Store.RecordAttempt(ctx, d.ID, a); err != nil {
			return err
		}
		switch a.Status {
		case store.DeliverySent:
			res.Sent++
		case store.DeliveryPending:
			res.Retrying++
		default:
			res.Failed++
		}
	}
	return nil
}

// outcome decides what an attempt that ended with sendErr at now means for its
// delivery: sent when the receiver accepted it; tried again after a backoff when the
// error is retryable and attempts remain; otherwise failed for good, which gives the
// findings it carried back to the outbox, due again. The reason it records is free
// of secrets.
func (p *Pipeline) outcome(d store.Delivery, sendErr error, now time.Time) store.Attempt {
	if sendErr == nil {
		return store.Attempt{Status: store.DeliverySent, At: now, SentAt: now}
	}
	reason := sendErr.Error()
	if p.Redactor != nil {
		reason = p.Redactor.String(reason)
	}
	if retry, after := Retryable(sendErr); retry && d.Attempts+1 < p.MaxAttempts {
		return store.Attempt{Status: store.DeliveryPending, At: now, NextAttemptAt: now.Add(p.backoff(d.Attempts+1, after)), LastError: reason}
	}
	return store.Attempt{Status: store.DeliveryFailed, At: now, LastError: reason}
}

// attempt opens a queued message and hands it to its receiver.
func (p *Pipeline) attempt(ctx context.Context, d store.Delivery) error {
	r := p.Receivers[d.Receiver]
	if r == nil {
		return Permanent(fmt.Errorf("notify: receiver %s is no longer configured", d.Receiver))
	}
	if p.Sealer == nil {
		return Permanent(fmt.Errorf("notify: message %s is sealed and no sealing key is configured", d.IdempotencyKey))
	}
	clear, err := p.Sealer.Open(d.Body, bodyField)
	if err != nil {
		return Permanent(fmt.Errorf("notify: opening message %s: %w", d.IdempotencyKey, err))
	}
	var m Message
	if err := json.Unmarshal(clear, &m); err != nil {
		return Permanent(fmt.Errorf("notify: decoding message %s: %w", d.IdempotencyKey, err))
	}
	// The receiver may have been reconfigured since the message was queued.
	if err := CheckAddressable(r, m); err != nil {
		return err
	}
	actx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	return r.Send(actx, m)
}

// backoff is the wait before attempt n+1: MinRetryWait doubled per failed attempt up
// to MaxRetryWait, or longer when the receiver asked for it.
func (p *Pipeline) backoff(failed int, asked time.Duration) time.Duration {
	w := p.MinRetryWait
	for i := 1; i < failed && w < p.MaxRetryWait; i++ {
		w *= 2
	}
	return max(min(w, p.MaxRetryWait), asked)
}
