-- Where an outlet publishes from, as ISO 3166-1 alpha-2.
ALTER TABLE outlets ADD COLUMN country text CHECK (country ~ '^[A-Z]{2}$');
