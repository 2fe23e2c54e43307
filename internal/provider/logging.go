package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/segura/terraform-provider-segura/internal/client"
)

// tflogLogger backs the client's logger with tflog. The client already redacts bodies; this
// masks the provider's own secrets once more, wherever they might appear.
type tflogLogger struct {
	secrets []string
}

var _ client.Logger = tflogLogger{}

func (l tflogLogger) Debug(ctx context.Context, msg string, fields map[string]any) {
	tflog.Debug(maskSecrets(ctx, l.secrets...), msg, fields)
}

// maskSecrets makes tflog replace every non-empty secret in messages and field values.
func maskSecrets(ctx context.Context, secrets ...string) context.Context {
	var nonEmpty []string
	for _, s := range secrets {
		if s != "" {
			nonEmpty = append(nonEmpty, s)
		}
	}
	if len(nonEmpty) == 0 {
		return ctx
	}
	ctx = tflog.MaskAllFieldValuesStrings(ctx, nonEmpty...)
	return tflog.MaskMessageStrings(ctx, nonEmpty...)
}
