"""Ferry's database: models, migrations, and the repository functions the import uses."""
