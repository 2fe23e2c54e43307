terraform {
  required_providers {
    segura = {
      source  = "segura/segura"
      version = "~> 0.1" # 0.1 and later 0.x releases; .terraform.lock.hcl records the exact one
    }
  }
}

# The API client of a Segura service account: the Cloud Entitlements Administrator role for
# apply and destroy; a read-only account is enough for plan. Prefer the SEGURA_URL,
# SEGURA_CLIENT_ID and SEGURA_CLIENT_SECRET environment variables to literals, so that no
# secret is written in configuration.
provider "segura" {
  url       = "https://acme.segura.security" # the base URL alone, with no path
  client_id = "terraform-pipeline"
  # client_secret from SEGURA_CLIENT_SECRET

  request_timeout = "30s"
  max_retries     = 5 # at most 5 retries a request; unset, retries go on until the operation's deadline
}
