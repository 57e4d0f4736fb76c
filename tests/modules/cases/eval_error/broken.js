console.log("broken runs once");
throw new Error("boom");
