from releasebuild.cli import main

raise SystemExit(main())
