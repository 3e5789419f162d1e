"""Read models for the home page. Correct, but each call issues one query per post or author."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Author, Post, Tag


def build_feed(session: Session, *, limit: int = 20, tag: str | None = None) -> list[dict]:
    """The newest published posts, optionally only those carrying `tag`."""
    stmt = (
        select(Post)
        .where(Post.published_at.is_not(None))
        .order_by(Post.published_at.desc(), Post.id.desc())
        .limit(limit)
    )
    if tag is not None:
        stmt = stmt.where(Post.tags.any(Tag.name == tag))
    return [
        {
            "id": post.id,
            "title": post.title,
            "published_at": post.published_at.isoformat(),
            "author": {"id": post.author.id, "name": post.author.name},
            "tags": sorted(t.name for t in post.tags),
            "comment_count": len(post.comments),
        }
        for post in session.scalars(stmt)
    ]


def author_stats(session: Session) -> list[dict]:
    """Every author with their number of published posts and of comments on those posts."""
    stats = []
    for author in session.scalars(select(Author).order_by(Author.name, Author.id)):
        published = [p for p in author.posts if p.published_at is not None]
        stats.append(
            {
                "author_id": author.id,
                "name": author.name,
                "published_posts": len(published),
                "comments_received": sum(len(p.comments) for p in published),
            }
        )
    return stats
