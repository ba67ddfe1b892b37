"""The Instatus v1 API dialect (https://instatus.com/help/api), wire-compatible."""
