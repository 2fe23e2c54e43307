// Package aws is the AWS pre-flight and the catalog of the AWS kinds: what Cloud Entitlements
// needs of an AWS account's key (IAMReadOnlyAccess) and how a key is checked before it is sent.
package aws

// Reasons an AWS account fails to connect; the same words as the Cloud Entitlements API's
// aws_connection_failed details.
const (
	ReasonInvalidAccessKey = "invalid_access_key"
	ReasonMissingPolicy    = "missing_policy"
)

// RequiredPolicy is the AWS managed policy that the IAM user of a connected account's key
// needs, attached to the user or to one of its groups; RequiredPolicyARN is its ARN. A
// customer managed policy of the same name is another policy, with another ARN.
const (
	RequiredPolicy    = "IAMReadOnlyAccess"
	RequiredPolicyARN = "arn:aws:iam::aws:policy/" + RequiredPolicy
)
