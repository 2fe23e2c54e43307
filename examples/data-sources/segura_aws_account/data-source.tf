data "segura_aws_account" "production" {
  account_id = "111122223333"
}

output "production_synchronization" {
  value = data.segura_aws_account.production.synchronization.state
}
