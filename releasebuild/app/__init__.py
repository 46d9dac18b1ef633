"""The app layer: what the CLI and the public API (`releasebuild.api`) call, one module per job."""
