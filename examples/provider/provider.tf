terraform {
  required_providers {
    segura = {
      source = "segura/segura"
    }
  }
}

# Credentials of a Segura service account with the Cloud Entitlements administrator role.
# Prefer the SEGURA_URL, SEGURA_CLIENT_ID and SEGURA_CLIENT_SECRET environment variables to
# literals, so that no secret is written in configuration.
provider "segura" {
  url       = "https://acme.segura.security"
  client_id = "terraform-pipeline"
  # client_secret from SEGURA_CLIENT_SECRET

  request_timeout = "30s"
  max_retries     = 5
}
