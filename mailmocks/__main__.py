from mailmocks.cli import main

raise SystemExit(main())
