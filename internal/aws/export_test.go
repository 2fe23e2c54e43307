package aws

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// WithoutBackoff returns p with no wait before the SDK's retry: tests never sleep.
func WithoutBackoff(p Preflight) Preflight {
	p.backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	return p
}

// Principal exports principal to the tests.
var Principal = principal
