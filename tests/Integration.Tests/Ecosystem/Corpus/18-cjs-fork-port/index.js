require(require('path').resolve(__dirname, '../standin/report.js'));
