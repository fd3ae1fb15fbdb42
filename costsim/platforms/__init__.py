"""Platform models: their parameters and behaviour, never their prices."""
