// Exits at once with code 3 after explaining why on stderr: an app that cannot start.
console.error('crash.js: cannot connect to the database at db.invalid:5432');
process.exit(3);
