// Loaded in <head>: lets the stylesheet show what needs JavaScript only where it runs.
document.documentElement.classList.replace("no-js", "js");
