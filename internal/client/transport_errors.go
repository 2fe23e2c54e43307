package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// The one rule for requests that got no answer: a retry may mend a lost connection or a
// timeout, so those are retried (retryable); every other failure is final, and Unmendable puts
// it in words a person acts on: which address, which certificate, what to change.

// retryable reports whether a request that got no answer may get one when sent again: the
// connection was refused, reset, closed or dropped (an HTTP/2 stream or connection ended
// included), a host name did not resolve for a reason other than "no such host", or an
// attempt timed out.
func retryable(err error) bool {
	if _, _, final := explainFinal("", "", err); final {
		return false
	}
	var netErr net.Error
	var opErr *net.OpError
	switch {
	case errors.As(err, &netErr) && netErr.Timeout():
		return true
	case errors.As(err, &opErr), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return true
	}
	// net/http and its HTTP/2 transport say these in text only.
	msg := err.Error()
	for _, lost := range []string{"connection reset", "broken pipe", "transport connection broken",
		"server closed idle connection", "http2: ", "stream error"} {
		if strings.Contains(msg, lost) {
			return true
		}
	}
	return false
}

// Unmendable explains err when it holds a request that no retry can mend: a title, and the
// failure with what to change; ok is false for every other error. It looks at
// *TransportError and at a *TokenError that got no answer, never into a *GiveUpError (a
// deadline is no verdict).
func Unmendable(err error) (title, detail string, ok bool) {
	var te *TransportError
	var tokenErr *TokenError
	var gu *GiveUpError
	var address, setting string
	switch {
	case errors.As(err, &gu):
		return "", "", false
	case errors.As(err, &te):
		address, setting, err = te.URL, apiSetting, te.Err
	case errors.As(err, &tokenErr) && tokenErr.Err != nil:
		address, setting, err = tokenErr.URL, tokenSetting, tokenErr.Err
	default:
		return "", "", false
	}
	title, advice, ok := explainFinal(address, setting, err)
	return title, fmt.Sprintf("%s: %v.\n\n%s", address, err, advice), ok
}

// explainFinal gives the title and advice of a failure that no retry mends, naming address
// (the URL of the request) and setting (where the user gives it); final is false for any
// other failure.
func explainFinal(address, setting string, err error) (title, advice string, final bool) {
	host := address
	if u, perr := url.Parse(address); perr == nil && u.Host != "" {
		host = u.Host
	}
	var (
		unknownCA   x509.UnknownAuthorityError
		otherHost   x509.HostnameError
		invalidCert x509.CertificateInvalidError
		verifyErr   *tls.CertificateVerificationError
		record      tls.RecordHeaderError
		opErr       *net.OpError
		dnsErr      *net.DNSError
	)
	switch {
	case errors.Is(err, errAnswerTooLarge):
		return "Answer too large", fmt.Sprintf("%s sent an answer larger than the client reads. Check that it is "+
			"Segura's address in %s.", host, setting), true
	case errors.Is(err, http.ErrSchemeMismatch):
		return "Plain HTTP where https:// was given", fmt.Sprintf("%s answered in plain HTTP, not HTTPS: nothing "+
			"speaks TLS at that address. Give the server's https:// address (or http://, which is accepted only for "+
			"this machine: localhost, 127.0.0.0/8, ::1) in %s.", address, setting), true
	case errors.As(err, &record):
		return "Not a TLS server", fmt.Sprintf("%s did not answer with TLS to an https:// request. Check the "+
			"host and port in %s.", host, setting), true
	case errors.As(err, &unknownCA):
		return "Certificate not trusted", fmt.Sprintf("The certificate of %s%s is signed by an authority this "+
			"machine does not trust. Add that authority to the machine's trusted certificates (or name a file of "+
			"them in SSL_CERT_FILE), or give an address whose certificate is trusted in %s.",
			host, certificateOf(unknownCA.Cert), setting), true
	case errors.As(err, &otherHost):
		return "Certificate for another host", fmt.Sprintf("The certificate of %s is valid for %s, not for %s. "+
			"Give a host name that the certificate holds in %s.", host, certificateNames(otherHost.Certificate),
			otherHost.Host, setting), true
	case errors.As(err, &invalidCert):
		return "Certificate not valid", fmt.Sprintf("The certificate of %s%s is not valid: %v. An expired "+
			"certificate must be renewed on the server; a certificate not yet valid may mean that this machine's "+
			"clock is wrong.", host, certificateOf(invalidCert.Cert), invalidCert), true
	case errors.As(err, &verifyErr), errors.As(err, &opErr) && (opErr.Op == "remote error" || opErr.Op == "local error"),
		strings.Contains(err.Error(), "tls: "):
		return "TLS handshake failed", fmt.Sprintf("The TLS handshake with %s failed: the server and the "+
			"provider share no TLS version or cipher suite (the provider offers TLS 1.2 and 1.3 with Go's "+
			"default suites), or the server refused the connection. Check the server's TLS settings, and the "+
			"host and port in %s.", host, setting), true
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return "Unknown host", fmt.Sprintf("No host %s is known to this machine's DNS. Check the host name in %s.",
			dnsErr.Name, setting), true
	}
	return "", "", false
}

// certificateOf names a certificate by its subject and issuer, for a message.
func certificateOf(cert *x509.Certificate) string {
	if cert == nil {
		return ""
	}
	return fmt.Sprintf(" (subject %q, issued by %q)", cert.Subject.String(), cert.Issuer.String())
}

// certificateNames lists the names a certificate is valid for.
func certificateNames(cert *x509.Certificate) string {
	if cert == nil {
		return "other names"
	}
	names := append([]string{}, cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return "no host name"
	}
	return strings.Join(names, ", ")
}
