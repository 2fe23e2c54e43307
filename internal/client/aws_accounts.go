package client

import (
	"fmt"
	"regexp"
)

// The AWS account kind: its wire object, its inputs and its collection (connections.go does
// the rest). Its key, the account ID, is read by Segura from the access key: a create names
// none, and the answer's is the one adopted.

// AWSAccount is a connection of an AWS account. It never holds the secret access key.
type AWSAccount struct {
	AccountID   string `json:"account_id"`
	AccessKeyID string `json:"access_key_id"`
	Connection
}

// Key is the AWS account ID.
func (a *AWSAccount) Key() string { return a.AccountID }

// Shared is the part every kind has.
func (a *AWSAccount) Shared() *Connection { return &a.Connection }

var (
	awsAccountIDRE   = regexp.MustCompile(`^[0-9]{12}$`)
	awsAccessKeyIDRE = regexp.MustCompile(`^AKIA[A-Z0-9]{16}$`)
)

func (a *AWSAccount) problem() string {
	switch {
	case !awsAccountIDRE.MatchString(a.AccountID):
		return fmt.Sprintf("account_id %q is not 12 digits", a.AccountID)
	case !awsAccessKeyIDRE.MatchString(a.AccessKeyID):
		return fmt.Sprintf("access_key_id %q is not an access key ID", a.AccessKeyID)
	}
	return ""
}

// AWSAccounts is the collection of AWS account connections.
var AWSAccounts = Collection[AWSAccount, *AWSAccount]{
	Path:     pathAPIBase + "/aws/accounts",
	Noun:     "account",
	Secrets:  []string{FieldSecretAccessKey},
	Verdicts: []string{CodeAlreadyConnected, CodeCredentialInUse, CodeAWSConnectionFailed},
}

// CreateAWSAccountInput is the body of a create. Status is optional (default active).
type CreateAWSAccountInput struct {
	Name            string   `json:"name"`
	AccessKeyID     string   `json:"access_key_id"`
	SecretAccessKey string   `json:"secret_access_key"`
	Tags            []string `json:"tags,omitempty"`
	Status          string   `json:"status,omitempty"`
}

// UpdateAWSAccountInput is the body of a PATCH: a nil field is left unchanged; a non-nil
// empty Tags clears the tags. AccessKeyID and SecretAccessKey change together.
type UpdateAWSAccountInput struct {
	Name            *string   `json:"name,omitempty"`
	AccessKeyID     *string   `json:"access_key_id,omitempty"`
	SecretAccessKey *string   `json:"secret_access_key,omitempty"`
	Tags            *[]string `json:"tags,omitempty"`
	Status          *string   `json:"status,omitempty"`
}
