console.log("sync");
