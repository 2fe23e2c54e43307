package provider

import (
	"context"
	"os"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/segura/terraform-provider-segura/internal/client"
)

// tflogLogger backs the client's logger with tflog; the client masks its records itself.
type tflogLogger struct{}

var _ client.Logger = tflogLogger{}

func (tflogLogger) Debug(ctx context.Context, msg string, fields map[string]any) {
	tflog.Debug(ctx, msg, fields)
}

// logSettings are the environment variables by which a user asks Terraform, or the provider,
// for logs.
var logSettings = []string{
	"TF_LOG", "TF_LOG_PATH", "TF_LOG_CORE", "TF_LOG_PROVIDER", "TF_LOG_PROVIDER_SEGURA",
	"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_ACC_LOG_PATH", "TF_LOG_PATH_MASK",
}

// QuietUnlessAsked turns the SDK's and the provider's loggers off when the user asked for no
// logs at all. terraform-plugin-log defaults them to TRACE, so a plan of 1,000 resources
// otherwise writes some 150,000 lines to Terraform, which parses them only to drop them. Any
// of logSettings set leaves logging exactly as the SDK has it. Call it before serving.
func QuietUnlessAsked() {
	for _, v := range logSettings {
		if os.Getenv(v) != "" {
			return
		}
	}
	for _, v := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER_SEGURA"} {
		_ = os.Setenv(v, "OFF") // cannot fail for these names
	}
}
